/**
 * Alerts: telling admins when protection fails.
 *
 * <h2>Flow</h2>
 *
 * <pre>
 * cause (run failed, verify failed, VM unprotected, ...)
 *   -> Alerts.raise(Alert)          alert_event row, in the cause's own transaction where it has one
 *   -> Outbox.route()               by the channels' rules into notification_delivery rows, one per channel
 *                                   and group, open for the grouping window
 *   -> Outbox.sendDue()             claimed with a lease, sent by a ChannelSender outside any transaction,
 *                                   each attempt recorded; retried with growing waits, or given up
 * </pre>
 *
 * <h2>Invariants</h2>
 *
 * <ol>
 *   <li>Raising an alert MUST NOT wait for, or fail because of, any receiver: it only inserts a row, and a
 *       failure to insert it is logged, never thrown to the caller.
 *   <li>An event MUST be routed once and a delivery claimed by one node at a time: rows are taken with
 *       {@code FOR UPDATE SKIP LOCKED}; one delivery per channel and group collects events (a unique index).
 *   <li>No database transaction MUST be open while a message is sent.
 *   <li>What is recorded survives a stop: an unsent delivery is sent by the next node that runs, and a claim
 *       whose node died is taken over when its lease ends (the message id lets a receiver spot a repeat).
 *   <li>A secret (SMTP password, webhook signing secret) MUST NOT leave the server but to its receiver: no
 *       answer shows it but the one that made it, no log or attempt records it.
 * </ol>
 *
 * <p>A new kind of alert is one {@link io.stillpoint.alert.AlertType} constant and one {@code
 * alerts.raise(Alert.of(type, summary).vm(...)...)} where it happens.
 */
package io.stillpoint.alert;
