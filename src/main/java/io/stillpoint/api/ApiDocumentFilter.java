package io.stillpoint.api;

import io.quarkus.smallrye.openapi.OpenApiFilter;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
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
        requireAnswerFields(openAPI);
        openAPI.getComponents().getSchemas().values().stream().filter(schema -> schema.getProperties() != null)
                .flatMap(schema -> schema.getProperties().values().stream()).forEach(ApiDocumentFilter::untypeNullableRef);
    }

    /**
     * A nullable Instant comes out as {@code type: [string, null]} beside {@code anyOf: [Instant, null]}; the
     * type says nothing the reference does not, and generators render it as a union of both.
     */
    private static void untypeNullableRef(Schema property) {
        if (property.getAnyOf() != null && property.getType() != null
                && property.getAnyOf().stream().anyMatch(alternative -> alternative.getRef() != null)) {
            property.setType(null);
        }
    }

    /**
     * Jackson writes every field of an answer, null or not, so each property of a schema only answers use is
     * required (the nullable ones say so with {@code @Schema(nullable = true)}): generated clients and the
     * console's types then tell "always there" from "may be null". Request schemas keep their optional fields,
     * and an answer written without its nulls lists its required properties itself.
     */
    private static void requireAnswerFields(OpenAPI openAPI) {
        Map<String, Schema> schemas = openAPI.getComponents().getSchemas();
        Set<String> inRequests = new HashSet<>();
        Set<String> inAnswers = new HashSet<>();
        for (PathItem path : openAPI.getPaths().getPathItems().values()) {
            for (Operation operation : path.getOperations().values()) {
                if (operation.getRequestBody() != null && operation.getRequestBody().getContent() != null) {
                    operation.getRequestBody().getContent().getMediaTypes().values()
                            .forEach(media -> reachable(media.getSchema(), schemas, inRequests));
                }
                operation.getResponses().getAPIResponses().values().stream().filter(answer -> answer.getContent() != null)
                        .flatMap(answer -> answer.getContent().getMediaTypes().values().stream())
                        .forEach(media -> reachable(media.getSchema(), schemas, inAnswers));
            }
        }
        inAnswers.removeAll(inRequests);
        for (String name : inAnswers) {
            Schema schema = schemas.get(name);
            if (schema.getProperties() != null && !schema.getProperties().isEmpty() && schema.getRequired() == null) {
                schema.setRequired(List.copyOf(schema.getProperties().keySet()));
            }
        }
    }

    /** Adds the names of the component schemas {@code schema} refers to, directly or through others. */
    private static void reachable(Schema schema, Map<String, Schema> components, Set<String> names) {
        if (schema == null) {
            return;
        }
        if (schema.getRef() != null) {
            String name = schema.getRef().substring(schema.getRef().lastIndexOf('/') + 1);
            if (names.add(name)) {
                reachable(components.get(name), components, names);
            }
            return;
        }
        if (schema.getProperties() != null) {
            schema.getProperties().values().forEach(property -> reachable(property, components, names));
        }
        reachable(schema.getItems(), components, names);
        if (schema.getAdditionalPropertiesSchema() != null) {
            reachable(schema.getAdditionalPropertiesSchema(), components, names);
        }
        for (List<Schema> alternatives : Arrays.asList(schema.getAnyOf(), schema.getOneOf(), schema.getAllOf())) {
            if (alternatives != null) {
                alternatives.forEach(alternative -> reachable(alternative, components, names));
            }
        }
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
                                .addProperty("field", text).addProperty("message", text).required(List.of("field", "message"))))
                .required(List.of("title", "status"));
    }
}
