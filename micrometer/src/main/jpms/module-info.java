/**
 * Micrometer meters for zerocopy: a {@code MeterBinder} over the core's process-wide
 * transfer counters and any view pools the application names.
 */
// micrometer-core is an automatic module (named by its Automatic-Module-Name).
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.zerocopy.micrometer {
    requires transitive dev.zerocopy.core;
    requires transitive micrometer.core;

    exports dev.zerocopy.micrometer;
}
