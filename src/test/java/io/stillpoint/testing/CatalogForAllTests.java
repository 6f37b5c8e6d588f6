package io.stillpoint.testing;

import io.quarkus.test.common.QuarkusTestResource;

/** Registers {@link CatalogTestResource} for every {@code @QuarkusTest}, so they share one boot. */
@QuarkusTestResource(CatalogTestResource.class)
public final class CatalogForAllTests {

    private CatalogForAllTests() {}
}
