/**
 * The backup run pipeline: {@link io.stillpoint.backup.BackupService} accepts a request,
 * {@link io.stillpoint.backup.BackupPipeline} executes it, {@link io.stillpoint.backup.GuestWatchdog}
 * bounds the guest's downtime and {@link io.stillpoint.backup.RunRecovery} finishes what a crash
 * interrupted.
 *
 * <h2>Invariants</h2>
 *
 * <ol>
 *   <li>A guest held by a run MUST run again on every path: the hold is closed in a {@code finally};
 *       a failed resume is followed by a start; the watchdog resumes a guest held longer than {@code
 *       stillpoint.backup.max-downtime}; the hold is recorded on the run ({@code held_since}) before it
 *       starts, so that after a crash {@code RunRecovery} resumes the guest before the node takes work.
 *   <li>The hold MUST end right after the snapshot: the copy never runs while the guest is held.
 *   <li>A restore point MUST be cataloged only when its files and {@code manifest.json} are on disk,
 *       fsynced, and its directory has lost the {@code .partial} suffix; the catalog commit is one short
 *       transaction, and no transaction spans the copy.
 *   <li>A run that fails before its commit MUST leave nothing: its {@code .partial} (or already renamed)
 *       directory is removed, and recovery removes the one its run's row names. A {@code .partial} carries
 *       a marker naming its run until just before the manifest is written; the repository check removes a
 *       {@code .partial} only when that marker names a run that has ended.
 *   <li>Deleting MUST change the catalog first, then the files: the transaction that removes a restore
 *       point (or a repository) records a pending deletion, which is dropped once the files are gone.
 *       Files MUST be removed only where the catalog asked for it, only under names Stillpoint generates,
 *       inside a folder carrying the repository's marker, and never through a link; everything else a
 *       check finds is reported, never removed.
 *   <li>A run that fails after its commit (releasing the snapshot) keeps its restore point and says so.
 *   <li>Guest downtime MUST be measured for every run and SHOULD be the snapshot's cost only.
 *   <li>A run's alert ({@code run-failed}, {@code run-warning}, {@code vm-skipped}) is recorded in the
 *       transaction that records its outcome, and MUST NOT be delivered from the run's thread (see {@code
 *       io.stillpoint.alert}).
 * </ol>
 *
 * <h2>Locking</h2>
 *
 * <p>A row in {@code vm_lock} is taken in the transaction that creates a run or an in-place restore and
 * released in the transaction that ends it. The primary key makes it hold across server nodes. Deleting a
 * repository locks its row and is refused while a job names it or a run or restore uses it; creating one
 * locks the repository table, so that two requests cannot take overlapping folders.
 *
 * <table>
 *   <caption>What may overlap on one VM</caption>
 *   <tr><th></th><th>run</th><th>in-place restore</th><th>restore to a path</th></tr>
 *   <tr><td>run</td><td>no (409)</td><td>no (409)</td><td>yes</td></tr>
 *   <tr><td>in-place restore</td><td>no (409)</td><td>no (409)</td><td>yes</td></tr>
 *   <tr><td>restore to a path</td><td>yes</td><td>yes</td><td>yes</td></tr>
 * </table>
 */
package io.stillpoint.backup;
