package io.stillpoint.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stillpoint.client.api.HostsApi;
import io.stillpoint.client.api.RepositoriesApi;
import io.stillpoint.client.api.RestorePointsApi;
import io.stillpoint.client.api.RunsApi;
import io.stillpoint.client.api.VmsApi;
import io.stillpoint.client.model.BackupRequestBody;
import io.stillpoint.client.model.CreateVmRequest;
import io.stillpoint.client.model.HostRequest;
import io.stillpoint.client.model.HostResponse;
import io.stillpoint.client.model.NewGuestRequest;
import io.stillpoint.client.model.RepositoryRequest;
import io.stillpoint.client.model.RepositoryResponse;
import io.stillpoint.client.model.RestorePointSummary;
import io.stillpoint.client.model.RunResponse;
import io.stillpoint.client.model.RunStatus;
import io.stillpoint.client.model.VmResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What an admin's script does with the client generated from the server's OpenAPI document: registers a
 * host, a VM and a repository, backs the VM up, follows the run and finds its restore point. Run by
 * src/test/client/run.sh against the packaged server (stillpoint.url, stillpoint.token, stillpoint.work).
 */
class GeneratedClientTest {

    private final ApiClient client = client();
    private final String work = System.getProperty("stillpoint.work");
    private final String tag = UUID.randomUUID().toString().substring(0, 8);

    private static ApiClient client() {
        ApiClient client = new ApiClient();
        client.updateBaseUri(System.getProperty("stillpoint.url"));
        String token = System.getProperty("stillpoint.token");
        client.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + token));
        return client;
    }

    @Test
    void aScriptBacksUpAVmAndFindsItsRestorePoint() throws Exception {
        HostResponse host = new HostsApi(client).createHost(new HostRequest().name("client-" + tag).type("simulated")
                .settings(Map.of("root", work + "/hosts-" + tag)));
        VmResponse vm = new HostsApi(client).createVm(host.getId().toString(),
                new CreateVmRequest(new NewGuestRequest().name("vm-" + tag).diskSizeBytes(8L << 20).memoryBytes(8L << 20)));
        RepositoryResponse repository = new RepositoriesApi(client).createRepository(
                new RepositoryRequest().name("client-" + tag).path(work + "/repository-" + tag));

        RunResponse run = new VmsApi(client).backupVm(vm.getId().toString(),
                new BackupRequestBody().mode(BackupRequestBody.ModeEnum.PAUSE).repositoryId(repository.getId()));
        RunResponse finished = awaitFinished(run.getId());

        assertEquals(RunStatus.SUCCEEDED, finished.getStatus(), finished.getError());
        List<RestorePointSummary> points = new RestorePointsApi(client).listRestorePoints(null, null, null, null, null,
                null, null, vm.getId());
        assertEquals(List.of(finished.getRestorePointId()), points.stream().map(RestorePointSummary::getId).toList());
    }

    @Test
    void badInputComesBackAsAnApiExceptionNamingTheField() {
        ApiException refused = assertThrows(ApiException.class, () -> new VmsApi(client)
                .backupVm(UUID.randomUUID().toString(), new BackupRequestBody().mode(BackupRequestBody.ModeEnum.PAUSE)));
        assertEquals(404, refused.getCode());
        ApiException badLimit = assertThrows(ApiException.class, () -> new RunsApi(client)
                .listRuns(null, null, 0, null, null, null, null));
        assertEquals(400, badLimit.getCode());
        assertTrue(badLimit.getResponseBody().contains("\"field\":\"limit\""), badLimit.getResponseBody());
    }

    private RunResponse awaitFinished(UUID runId) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (true) {
            RunResponse run = new RunsApi(client).getRun(runId.toString());
            if (run.getFinishedAt() != null) {
                return run;
            }
            assertTrue(Instant.now().isBefore(deadline), "run " + runId + " still " + run.getStatus() + " after 2 minutes");
            Thread.sleep(200);
        }
    }
}
