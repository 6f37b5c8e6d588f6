package io.stillpoint.security;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** An API token's secret as a client sent it in {@code Authorization: Bearer}. */
public class BearerTokenRequest extends BaseAuthenticationRequest {

    private final String secret;

    public BearerTokenRequest(String secret) {
        this.secret = secret;
    }

    public String secret() {
        return secret;
    }

    /** Never the secret: this may end up in a log. */
    @Override
    public String toString() {
        return "BearerTokenRequest";
    }
}
