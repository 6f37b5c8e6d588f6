package io.stillpoint.security;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stillpoint.api.Problem;
import io.stillpoint.api.ProblemMapper;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Answers a throttled sign-in with 429 and {@code Retry-After}. Sign-in happens before any REST
 * resource is chosen, so its failures reach the HTTP router's failure handlers, not the
 * {@link ProblemMapper}.
 */
@ApplicationScoped
class ThrottledSignInAnswer {

    private final ObjectMapper json;

    ThrottledSignInAnswer(ObjectMapper json) {
        this.json = json;
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(this::answer);
    }

    private void answer(RoutingContext http) {
        SignInThrottledException throttled = throttled(http.failure());
        if (throttled == null || http.response().headWritten()) {
            http.next();
            return;
        }
        Problem problem = new Problem("about:blank", "Too Many Requests", 429, throttled.getMessage(),
                http.normalizedPath(), null);
        String body;
        try {
            body = json.writeValueAsString(problem);
        } catch (JsonProcessingException e) {
            http.next();
            return;
        }
        http.response().setStatusCode(429)
                .putHeader("Retry-After", Long.toString(throttled.retryAfterSeconds()))
                .putHeader("Content-Type", ProblemMapper.PROBLEM_JSON)
                .putHeader("Cache-Control", "no-store")
                .end(body);
    }

    private static SignInThrottledException throttled(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SignInThrottledException throttled) {
                return throttled;
            }
        }
        return null;
    }
}
