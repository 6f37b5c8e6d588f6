package io.stillpoint.api;

import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeIn;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.security.SecuritySchemes;
import org.eclipse.microprofile.openapi.annotations.servers.Server;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * What /q/openapi says of the API as a whole: the tags that group its operations as admins name things,
 * where it is served, and the three ways a client signs in. Generated clients take their class and
 * method names from these tags and from each operation's {@code operationId}. SmallRye reads these
 * annotations from the JAX-RS application class only, hence the class.
 */
@OpenAPIDefinition(
        info = @Info(title = "Stillpoint API", version = "1",
                description = "Point-in-time backups of virtual machines: hosts and their VMs, backup jobs and runs,"
                        + " restore points and restores, and the alerts that say when protection fails. Errors are"
                        + " RFC 9457 problem details (application/problem+json) naming what is wrong."),
        servers = @Server(url = "/", description = "the server this document was read from"),
        tags = {
            @Tag(name = "VMs", description = "The guests of every host, their protection, and backups on demand"),
            @Tag(name = "Hosts", description = "Hypervisors: simulated, QEMU/KVM, libvirt and Hyper-V hosts"),
            @Tag(name = "Dashboard", description = "The figures of the console's dashboard"),
            @Tag(name = "Jobs", description = "Scheduled backups of VMs chosen by name, with their retention"),
            @Tag(name = "Runs", description = "One backup of one VM: its progress, phases and copy log"),
            @Tag(name = "Restore points", description = "What runs keep: restore, verify, protect, boot-test, delete"),
            @Tag(name = "Restores", description = "Restores in progress or done, with their progress"),
            @Tag(name = "Instant recoveries", description = "VMs running straight from a restore point"),
            @Tag(name = "Boot tests", description = "Proof that a restore point boots, with its evidence"),
            @Tag(name = "Guest files", description = "Files and folders from inside a restore point's disks"),
            @Tag(name = "Repositories", description = "Where restore points are stored, their space and checks"),
            @Tag(name = "Writers", description = "The snapshot writers that make a point-in-time view of a VM"),
            @Tag(name = "Notifications", description = "Alert events and the e-mail and webhook channels they go to"),
            @Tag(name = "Audit", description = "Who changed what, and when"),
            @Tag(name = "Users", description = "Users and their roles: viewer, operator, admin"),
            @Tag(name = "API tokens", description = "Bearer tokens for scripts and tools"),
            @Tag(name = "Sign-in locks", description = "User names and addresses held back by failed sign-ins"),
            @Tag(name = "Session", description = "The signed-in user and signing out")
        })
@SecuritySchemes({
    @SecurityScheme(securitySchemeName = ApiDocument.BASIC, type = SecuritySchemeType.HTTP, scheme = "basic",
            description = "A user's name and password"),
    @SecurityScheme(securitySchemeName = ApiDocument.BEARER, type = SecuritySchemeType.HTTP, scheme = "bearer",
            description = "An API token from POST /api/tokens"),
    @SecurityScheme(securitySchemeName = ApiDocument.SESSION, type = SecuritySchemeType.APIKEY,
            in = SecuritySchemeIn.COOKIE, apiKeyName = "stillpoint-session",
            description = "The console's session cookie from POST /j_security_check; changes also need the"
                    + " X-XSRF-TOKEN header")
})
public class ApiDocument extends Application {

    static final String BASIC = "basic";
    static final String BEARER = "bearer";
    static final String SESSION = "session";
}
