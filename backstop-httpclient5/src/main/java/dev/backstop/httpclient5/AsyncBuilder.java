package dev.backstop.httpclient5;

import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.async.HttpAsyncClientBuilder;

/**
 * An async client builder with a {@link BackstopExec} installed that learns of the client's
 * close: {@code addCloseable} is protected, so only a subclass can register the hook.
 */
final class AsyncBuilder extends HttpAsyncClientBuilder {

  AsyncBuilder(BackstopExec exec, ChainElement element) {
    ClientState client = new ClientState();
    addExecInterceptorBefore(element.name(), BackstopExec.NAME, exec.forClient(client));
    addCloseable(client);
  }
}
