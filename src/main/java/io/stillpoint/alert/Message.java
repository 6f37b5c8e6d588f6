package io.stillpoint.alert;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * What one delivery says: the events of one group, titled by their number and what they are about. The
 * same message, with the same id, is sent again on every retry, so a receiver can tell a repeat by its id.
 */
public record Message(UUID id, String type, Severity severity, String title, List<AlertEvent> events) {

    static Message of(UUID id, List<AlertEvent> events) {
        AlertEvent first = events.get(0);
        Severity highest = events.stream().map(e -> Severity.parse(e.severity).orElse(Severity.INFO))
                .max(Comparator.naturalOrder()).orElse(Severity.INFO);
        String title;
        if (events.size() == 1) {
            title = first.summary;
        } else {
            String plural = AlertType.parse(first.type).map(AlertType::plural).orElse(first.type + " events");
            title = events.size() + " " + plural + (first.scope.isEmpty() ? "" : " in " + first.scope);
        }
        return new Message(id, first.type, highest, title, List.copyOf(events));
    }

    public String subject() {
        return "[Stillpoint " + severity.id() + "] " + title;
    }

    public String text() {
        StringBuilder text = new StringBuilder(title).append("\n\n");
        for (AlertEvent event : events) {
            text.append(event.at).append("  ").append(event.severity).append("  ").append(event.summary).append('\n')
                    .append("    ").append(event.link).append('\n');
        }
        return text.append("\n-- \nStillpoint alert ").append(id).append('\n').toString();
    }

    public String html() {
        StringBuilder html = new StringBuilder("<!DOCTYPE html><html><body style=\"font-family:sans-serif\">")
                .append("<h2>").append(escape(title)).append("</h2><table cellpadding=\"4\">")
                .append("<tr><th align=\"left\">When</th><th align=\"left\">Severity</th><th align=\"left\">What</th></tr>");
        for (AlertEvent event : events) {
            html.append("<tr><td>").append(event.at).append("</td><td>").append(escape(event.severity))
                    .append("</td><td><a href=\"").append(escape(event.link)).append("\">").append(escape(event.summary))
                    .append("</a></td></tr>");
        }
        return html.append("</table><p style=\"color:#666\">Stillpoint alert ").append(id).append("</p></body></html>")
                .toString();
    }

    /** The webhook's body. */
    public Payload payload() {
        return new Payload(id, type, severity.id(), title, events.size(), events.stream().map(Event::of).toList());
    }

    public record Payload(UUID id, String type, String severity, String title, int count, List<Event> events) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Event(UUID id, String type, String severity, Instant at, String summary, String link, String scope,
            UUID vmId, UUID jobId, UUID runId, UUID restorePointId, UUID repositoryId, String node) {

        static Event of(AlertEvent e) {
            return new Event(e.id, e.type, e.severity, e.at, e.summary, e.link, e.scope, e.vmId, e.jobId, e.runId,
                    e.restorePointId, e.repositoryId, e.node);
        }
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
                .replace("'", "&#39;");
    }
}
