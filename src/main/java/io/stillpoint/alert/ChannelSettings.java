package io.stillpoint.alert;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * What a channel sends to, except its secret. A webhook has only {@code url}; an e-mail channel the rest.
 *
 * @param security {@code starttls} (upgrade a plain connection, never send without it), {@code tls} (TLS
 *     from the start, e.g. port 465) or {@code none} (a relay on the same machine or network)
 * @param trustedCertificate a PEM certificate the SMTP server's certificate must chain to instead of the
 *     system's authorities (a relay with a certificate of its own); null for the system's
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
// Written without its nulls, and a webhook and an e-mail channel share no field: none is always there. The
// empty list also keeps the API document's filter from requiring every field of an answer.
@Schema(requiredProperties = {})
public record ChannelSettings(
        String url,
        String host,
        Integer port,
        @Schema(enumeration = {EmailSender.STARTTLS, EmailSender.TLS, EmailSender.NONE}) String security,
        String username,
        String from,
        List<String> to,
        String trustedCertificate) {

    public static ChannelSettings webhook(String url) {
        return new ChannelSettings(url, null, null, null, null, null, null, null);
    }
}
