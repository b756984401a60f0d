package dev.backstop.httpclient5;

import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;

/**
 * A classic client builder with a {@link BackstopExec} installed that learns of the client's
 * close: {@code addCloseable} is protected, so only a subclass can register the hook.
 */
final class ClassicBuilder extends HttpClientBuilder {

  ClassicBuilder(BackstopExec exec, ChainElement element) {
    ClientState client = new ClientState();
    addExecInterceptorBefore(element.name(), BackstopExec.NAME, exec.forClient(client));
    addCloseable(client);
  }
}
