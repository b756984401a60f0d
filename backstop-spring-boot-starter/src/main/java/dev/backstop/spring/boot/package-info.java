/**
 * Spring Boot auto-configuration for Backstop: a {@link dev.backstop.Backstop} bean configured
 * from {@code backstop.*} properties, and the clients the application builds guarded by it:
 * {@code RestClient}s, {@code RestTemplate}s and {@code WebClient}s (through Boot's customizers,
 * HTTP service groups included) and gRPC channels built by Spring gRPC (a global client
 * interceptor); Micrometer meters when a {@code MeterRegistry} is present; the actuator endpoint
 * {@code backstop} and an opt-in health contributor.
 *
 * <p>Everything here is non-null unless stated otherwise.
 */
package dev.backstop.spring.boot;
