package dev.backstop.grpc;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A real gRPC service with hand-written method descriptors and a UTF-8 string marshaller, so no
 * protoc is needed. It counts the calls that reach it, per method, and answers with the status
 * that {@link #answer} gives for the n-th call it receives (0-based, over all methods).
 *
 * <ul>
 *   <li>{@code Unary}, {@code Other}: reply {@code "echo:" + request} if the answer is OK, else
 *       fail with the answer. The request {@code "hang"} counts down {@link #hung}, releases a
 *       permit of {@link #hanging} and is never answered; its cancellation counts down {@link
 *       #cancelled} and releases a permit of {@link #cancels}.
 *   <li>{@code Stream} (server streaming): the request is a count n; send {@code "0"} to {@code
 *       n-1}, then close with the answer.
 *   <li>{@code Chat} (bidi): echo each message; when the client half-closes, close with the answer.
 * </ul>
 */
final class EchoService {

  static final String SERVICE = "test.Echo";

  static final MethodDescriptor.Marshaller<String> UTF8 =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static final MethodDescriptor<String, String> UNARY =
      method("Unary", MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<String, String> OTHER =
      method("Other", MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<String, String> STREAM =
      method("Stream", MethodDescriptor.MethodType.SERVER_STREAMING);
  static final MethodDescriptor<String, String> CHAT =
      method("Chat", MethodDescriptor.MethodType.BIDI_STREAMING);

  /** Which status to close the n-th received call with; OK by default. */
  volatile IntFunction<Status> answer = n -> Status.OK;

  /** The trailers of a unary call closed with an error; none by default. */
  volatile Metadata trailers;

  /** Counted down when a {@code "hang"} call arrives. */
  final CountDownLatch hung = new CountDownLatch(1);

  /** Counted down when a hanging unary call or a bidi call is cancelled by the client. */
  final CountDownLatch cancelled = new CountDownLatch(1);

  /** A permit for every {@code "hang"} call that arrives. */
  final Semaphore hanging = new Semaphore(0);

  /** A permit for every hanging unary call or bidi call cancelled by the client. */
  final Semaphore cancels = new Semaphore(0);

  private final AtomicInteger sequence = new AtomicInteger();
  private final ConcurrentHashMap<String, AtomicInteger> received = new ConcurrentHashMap<>();

  private static MethodDescriptor<String, String> method(
      String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(UTF8)
        .setResponseMarshaller(UTF8)
        .build();
  }

  /** Returns how many calls of {@code method} reached the server. */
  int received(MethodDescriptor<?, ?> method) {
    AtomicInteger count = received.get(method.getFullMethodName());
    return count == null ? 0 : count.get();
  }

  /** Returns how many calls of any method reached the server. */
  int received() {
    return received.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(UNARY, ServerCalls.asyncUnaryCall((request, out) -> unary(UNARY, request, out)))
        .addMethod(OTHER, ServerCalls.asyncUnaryCall((request, out) -> unary(OTHER, request, out)))
        .addMethod(STREAM, ServerCalls.asyncServerStreamingCall(this::stream))
        .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(this::chat))
        .build();
  }

  private Status arrive(MethodDescriptor<?, ?> method) {
    received
        .computeIfAbsent(method.getFullMethodName(), k -> new AtomicInteger())
        .incrementAndGet();
    return answer.apply(sequence.getAndIncrement());
  }

  private void unary(MethodDescriptor<?, ?> method, String request, StreamObserver<String> out) {
    Status status = arrive(method);
    if (request.equals("hang")) {
      ((ServerCallStreamObserver<String>) out)
          .setOnCancelHandler(
              () -> {
                cancelled.countDown();
                cancels.release();
              });
      hung.countDown();
      hanging.release();
      return;
    }
    if (status.isOk()) {
      out.onNext("echo:" + request);
      out.onCompleted();
    } else {
      out.onError(status.asRuntimeException(trailers));
    }
  }

  private void stream(String request, StreamObserver<String> out) {
    Status status = arrive(STREAM);
    int n = Integer.parseInt(request);
    for (int i = 0; i < n; i++) {
      out.onNext(Integer.toString(i));
    }
    close(status, out);
  }

  private StreamObserver<String> chat(StreamObserver<String> out) {
    Status status = arrive(CHAT);
    return new StreamObserver<>() {
      @Override
      public void onNext(String message) {
        out.onNext("echo:" + message);
      }

      @Override
      public void onError(Throwable t) {
        cancelled.countDown();
        cancels.release();
      }

      @Override
      public void onCompleted() {
        close(status, out);
      }
    };
  }

  private static void close(Status status, StreamObserver<String> out) {
    if (status.isOk()) {
      out.onCompleted();
    } else {
      out.onError(status.asRuntimeException());
    }
  }
}
