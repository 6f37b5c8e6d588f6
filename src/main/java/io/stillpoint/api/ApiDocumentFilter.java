package io.stillpoint.api;

import io.quarkus.smallrye.openapi.OpenApiFilter;
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
