package io.stillpoint.api;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.identity.SecurityIdentity;
import io.stillpoint.alert.AlertEvent;
import io.stillpoint.alert.AlertType;
import io.stillpoint.alert.ChannelService;
import io.stillpoint.alert.ChannelSpec;
import io.stillpoint.alert.NotificationAttempt;
import io.stillpoint.alert.NotificationChannel;
import io.stillpoint.alert.Outbox;
import io.stillpoint.api.dto.AlertEventResponse;
import io.stillpoint.api.dto.AttemptResponse;
import io.stillpoint.api.dto.ChannelResponse;
import io.stillpoint.api.dto.EventTypeResponse;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Alert channels (admins) and the alerts recorded (everyone). Changes are audited like every other change;
 * secrets are never part of an answer but the one that makes them.
 */
@Tag(name = "Notifications")
@Path("/api/notifications")
@RolesAllowed(Role.ADMIN)
public class NotificationResource {

    private static final int MAX_LIMIT = 500;

    private final ChannelService channels;
    private final Outbox outbox;
    private final SecurityIdentity identity;

    NotificationResource(ChannelService channels, Outbox outbox, SecurityIdentity identity) {
        this.channels = channels;
        this.outbox = outbox;
        this.identity = identity;
    }

    @Operation(operationId = "listNotificationChannels", summary = "List the notification channels")
    @GET
    @Path("channels")
    public List<ChannelResponse> list() {
        return QuarkusTransaction.requiringNew().call(() -> NotificationChannel.<NotificationChannel>list("order by name")
                .stream().map(NotificationResource::view).toList());
    }

    @Operation(operationId = "getNotificationChannel", summary = "Get one notification channel")
    @GET
    @Path("channels/{id}")
    public ChannelResponse get(@PathParam("id") String id) {
        UUID channelId = Ids.path("channel", id);
        return QuarkusTransaction.requiringNew().call(() -> view(ChannelService.find(channelId)));
    }

    /** Creates a channel; a webhook's answer carries its signing secret, this once. */
    @APIResponse(responseCode = "201", description = "The channel; Location names it",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ChannelResponse.class)))
    @Operation(operationId = "createNotificationChannel", summary = "Create an e-mail or webhook channel")
    @POST
    @Path("channels")
    public Response create(ChannelSpec body) {
        ChannelService.Saved saved = channels.create(body);
        return Response.created(URI.create("/api/notifications/channels/" + saved.channel().id))
                .entity(ChannelResponse.of(saved.channel(), null, saved.newSecret())).build();
    }

    @Operation(operationId = "updateNotificationChannel", summary = "Replace a notification channel")
    @PUT
    @Path("channels/{id}")
    public ChannelResponse update(@PathParam("id") String id, ChannelSpec body) {
        NotificationChannel channel = channels.update(Ids.path("channel", id), body);
        return get(channel.id.toString());
    }

    @APIResponse(responseCode = "204", description = "The channel is gone")
    @Operation(operationId = "deleteNotificationChannel", summary = "Delete a notification channel")
    @DELETE
    @Path("channels/{id}")
    public Response delete(@PathParam("id") String id) {
        channels.delete(Ids.path("channel", id));
        return Response.noContent().build();
    }

    /** A new signing secret for a webhook, in this answer only. */
    @Operation(operationId = "rotateNotificationChannelSecret", summary = "Replace a webhook channel's signing secret")
    @POST
    @Path("channels/{id}/secret")
    public ChannelResponse rotateSecret(@PathParam("id") String id) {
        ChannelService.Saved saved = channels.rotateSecret(Ids.path("channel", id));
        return ChannelResponse.of(saved.channel(), null, saved.newSecret());
    }

    /** Sends a test message now, once, and answers how it went (also when the receiver refused it). */
    @Operation(operationId = "testNotificationChannel", summary = "Send a test message through a channel")
    @POST
    @Path("channels/{id}/test")
    public AttemptResponse test(@PathParam("id") String id) {
        UUID channelId = Ids.path("channel", id);
        QuarkusTransaction.requiringNew().run(() -> ChannelService.find(channelId));
        return AttemptResponse.of(outbox.test(channelId, identity.getPrincipal().getName()));
    }

    /** The newest attempts to send to the channel, with the receivers' answers. */
    @Operation(operationId = "listNotificationAttempts", summary = "List a channel's latest delivery attempts")
    @GET
    @Path("channels/{id}/attempts")
    public List<AttemptResponse> attempts(@PathParam("id") String id, @QueryParam("limit") @DefaultValue("20") int limit) {
        UUID channelId = Ids.path("channel", id);
        return QuarkusTransaction.requiringNew().call(() -> {
            ChannelService.find(channelId);
            return NotificationAttempt.newest(channelId, limit(limit)).stream().map(AttemptResponse::of).toList();
        });
    }

    /** The alerts recorded, newest first, whatever the channels. */
    @Operation(operationId = "listAlertEvents", summary = "List the alert events, newest first")
    @GET
    @Path("events")
    @RolesAllowed({Role.VIEWER, Role.OPERATOR, Role.ADMIN})
    public List<AlertEventResponse> events(@QueryParam("limit") @DefaultValue("50") int limit, @QueryParam("type") String type) {
        if (type != null && AlertType.parse(type).isEmpty()) {
            throw new InvalidRequestException("type", "unknown event type '" + type + "'; the types are " + AlertType.ids());
        }
        return QuarkusTransaction.requiringNew().call(
                () -> AlertEvent.newest(limit(limit), type).stream().map(AlertEventResponse::of).toList());
    }

    @Operation(operationId = "listAlertEventTypes", summary = "List the alert event types")
    @GET
    @Path("event-types")
    @RolesAllowed({Role.VIEWER, Role.OPERATOR, Role.ADMIN})
    public List<EventTypeResponse> eventTypes() {
        return Arrays.stream(AlertType.values())
                .map(t -> new EventTypeResponse(t.id(), t.severity().id(), t.description())).toList();
    }

    private static int limit(int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new InvalidRequestException("limit", "must be 1-" + MAX_LIMIT);
        }
        return limit;
    }

    private static ChannelResponse view(NotificationChannel channel) {
        AttemptResponse last = NotificationAttempt.newest(channel.id, 1).stream().findFirst().map(AttemptResponse::of)
                .orElse(null);
        return ChannelResponse.of(channel, last, null);
    }
}
