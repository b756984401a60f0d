package dev.backstop.readme;

import dev.backstop.Backstop;
import dev.backstop.grpc.BackstopClientInterceptor;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;

/** The README's gRPC section. */
final class GrpcExamples {

  /** Stands in for the class protoc generates from a {@code Users} service. */
  static final class UsersGrpc {
    static UsersBlockingStub newBlockingStub(Channel channel) {
      return new UsersBlockingStub(channel);
    }

    static final class UsersBlockingStub {
      final Channel channel;

      UsersBlockingStub(Channel channel) {
        this.channel = channel;
      }
    }
  }

  static UsersGrpc.UsersBlockingStub stub() {
    // README: gRPC
    ManagedChannel channel = ManagedChannelBuilder.forTarget("dns:///users.internal:443")
        .intercept(BackstopClientInterceptor.create())    // one breaker per full method name
        .build();
    UsersGrpc.UsersBlockingStub users = UsersGrpc.newBlockingStub(channel);
    // a shed call throws StatusRuntimeException: UNAVAILABLE, trailer backstop-reason: CIRCUITBREAKER
    return users;
  }

  static BackstopClientInterceptor configured(Backstop backstop) {
    // README: gRPC, options
    BackstopClientInterceptor interceptor = BackstopClientInterceptor.builder()
        .backstop(backstop)                                          // share breakers, pick the algorithm
        .operation((method, options) -> "users:" + method.getFullMethodName())  // the breaker's key
        .failureWhen(BackstopClientInterceptor.DEFAULT_FAILURE.or(              // what counts as failure
            (status, trailers) -> status.getCode() == Status.Code.RESOURCE_EXHAUSTED))
        .build();
    return interceptor;
  }

  private GrpcExamples() {}
}
