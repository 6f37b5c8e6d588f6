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
 *       directory is removed, and recovery removes any {@code .partial} no active run is writing.
 *   <li>A run that fails after its commit (releasing the snapshot) keeps its restore point and says so.
 *   <li>Guest downtime MUST be measured for every run and SHOULD be the snapshot's cost only.
 * </ol>
 *
 * <h2>Locking</h2>
 *
 * <p>A row in {@code vm_lock} is taken in the transaction that creates a run or an in-place restore and
 * released in the transaction that ends it. The primary key makes it hold across server nodes.
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
