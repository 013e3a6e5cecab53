package ai.aim.proxy.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.Test;

class TransportTest {

  @Test
  void picksEpollWhenAvailableAndNioOtherwise() {
    try (Transport t = Transport.create(1)) {
      assertThat(t.isNative()).isEqualTo(Epoll.isAvailable());
      if (t.isNative()) {
        assertThat(t.serverChannelClass()).isEqualTo(EpollServerSocketChannel.class);
      } else {
        assertThat(t.serverChannelClass()).isEqualTo(NioServerSocketChannel.class);
      }
    }
  }

  @Test
  void nioCanBeForced() {
    try (Transport t = Transport.create(1, false)) {
      assertThat(t.isNative()).isFalse();
      assertThat(t.name()).isEqualTo("nio");
      assertThat(t.socketChannelClass()).isEqualTo(NioSocketChannel.class);
    }
  }
}
