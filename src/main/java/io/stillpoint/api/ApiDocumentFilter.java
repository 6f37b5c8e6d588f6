package io.stillpoint.api;

import io.quarkus.smallrye.openapi.OpenApiFilter;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.security.SecurityRequirement;

/**
 * What every operation has in common, said once instead of on each: its error answers are problem details,
 * one that names a resource by path may answer 404, and a signed-in operation accepts any of the three ways
 * to sign in (the roles it needs are in its description, since OpenAPI gives HTTP schemes no scopes).
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class ApiDocumentFilter implements OASFilter {

    private static final String PROBLEM = "Problem";
    private static final String PROBLEM_REF = "#/components/schemas/" + PROBLEM;

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        openAPI.getComponents().addSchema(PROBLEM, problemSchema());
    }

    @Override
    public Operation filterOperation(Operation operation) {
        List<SecurityRequirement> security = operation.getSecurity();
        if (security != null && !security.isEmpty()) {
            List<String> roles = security.stream().flatMap(requirement -> requirement.getSchemes().values().stream())
                    .flatMap(List::stream).distinct().toList();
            operation.setSecurity(List.of(
                    OASFactory.createSecurityRequirement().addScheme(ApiDocument.BASIC),
                    OASFactory.createSecurityRequirement().addScheme(ApiDocument.BEARER),
                    OASFactory.createSecurityRequirement().addScheme(ApiDocument.SESSION)));
            if (!roles.isEmpty()) {
                String needs = "Roles: " + String.join(", ", roles) + ".";
                operation.setDescription(operation.getDescription() == null ? needs : operation.getDescription() + "\n\n" + needs);
            }
        }
        if (operation.getParameters() != null) {
            operation.getParameters().stream().filter(p -> p.getIn() == Parameter.In.QUERY).forEach(ApiDocumentFilter::typePaging);
        }
        boolean namesAResource = operation.getParameters() != null
                && operation.getParameters().stream().anyMatch(p -> p.getIn() == Parameter.In.PATH);
        if (namesAResource && operation.getResponses().getAPIResponse("404") == null) {
            operation.getResponses().addAPIResponse("404", OASFactory.createAPIResponse().description("Not found"));
        }
        for (Map.Entry<String, APIResponse> answer : operation.getResponses().getAPIResponses().entrySet()) {
            if (answer.getKey().startsWith("4") || answer.getKey().startsWith("5")) {
                answer.getValue().setContent(OASFactory.createContent().addMediaType(ProblemMapper.PROBLEM_JSON,
                        OASFactory.createMediaType().schema(OASFactory.createSchema().ref(PROBLEM_REF))));
            }
        }
        return operation;
    }

    /**
     * The paging and filter parameters are read as text, so that a wrong value gets a 400 naming it rather than
     * a bare 404 from JAX-RS; the document gives them their real types, so that generated clients take an int,
     * a boolean, a date-time or a UUID.
     */
    private static void typePaging(Parameter parameter) {
        Schema schema = parameter.getSchema();
        if (schema == null || schema.getType() == null || !schema.getType().equals(List.of(Schema.SchemaType.STRING))) {
            return;
        }
        switch (parameter.getName()) {
            case "limit" -> parameter.schema(OASFactory.createSchema().addType(Schema.SchemaType.INTEGER).minimum(BigDecimal.ONE))
                    .description("How many items (for a log, lines) to answer at most; lists of the catalog take 1 to "
                            + Paging.MAX_LIMIT + ", " + Paging.DEFAULT_LIMIT + " when left out");
            case "offset" -> parameter.schema(OASFactory.createSchema().addType(Schema.SchemaType.INTEGER).minimum(BigDecimal.ZERO));
            case "since", "until" -> parameter.schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING).format("date-time"))
                    .description(parameter.getName().equals("since") ? "From this instant on (inclusive)" : "Before this instant");
            case "after" -> parameter.description("The cursor of the last item seen, <ISO instant>,<id>, as the Link header gives it");
            case "protected" -> parameter.schema(OASFactory.createSchema().addType(Schema.SchemaType.BOOLEAN));
            case "vmId", "jobId" -> parameter.schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING).format("uuid"));
            default -> { }
        }
    }

    private static Schema problemSchema() {
        Schema text = OASFactory.createSchema().addType(Schema.SchemaType.STRING);
        return OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("An RFC 9457 problem detail, the body of every error answer")
                .addProperty("type", text)
                .addProperty("title", text)
                .addProperty("status", OASFactory.createSchema().addType(Schema.SchemaType.INTEGER))
                .addProperty("detail", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                        .description("what is wrong, naming the offending field or resource"))
                .addProperty("instance", text)
                .addProperty("errors", OASFactory.createSchema().addType(Schema.SchemaType.ARRAY)
                        .description("for validation problems, one entry per offending field")
                        .items(OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                                .addProperty("field", text).addProperty("message", text)))
                .required(List.of("title", "status"));
    }
}
