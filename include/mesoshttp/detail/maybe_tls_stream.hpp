// A stream that is TLS or plain, decided per connection, so the HTTP code
// above it (Beast's parsers, composed reads and writes) is written once.
// Used by the client (over beast::tcp_stream, for its timeouts) and by the
// simulated master (over tcp::socket).
#pragma once

#include <optional>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/system/error_code.hpp>

namespace mesoshttp::detail {

// What both ends of our connections accept: TLS 1.2 and later (SSL and TLS
// 1.0/1.1 are broken), with OpenSSL's workarounds for known peer bugs.
inline void restrict_to_modern_tls(boost::asio::ssl::context& context) {
  using ctx = boost::asio::ssl::context;
  context.set_options(ctx::default_workarounds | ctx::no_sslv2 | ctx::no_sslv3 | ctx::no_tlsv1 | ctx::no_tlsv1_1);
}

template <class NextLayer>
class maybe_tls_stream {
 public:
  using next_layer_type = NextLayer;
  using executor_type = typename NextLayer::executor_type;

  // TLS when `context` is given, plain otherwise.
  maybe_tls_stream(NextLayer next, boost::asio::ssl::context* context) {
    if (context) {
      tls_.emplace(std::move(next), *context);
    } else {
      plain_.emplace(std::move(next));
    }
  }

  NextLayer& next_layer() noexcept { return tls_ ? tls_->next_layer() : *plain_; }
  bool is_tls() const noexcept { return tls_.has_value(); }
  // The TLS layer (for the handshake, SNI, verification); nullptr when plain.
  boost::asio::ssl::stream<NextLayer>* tls() noexcept { return tls_ ? &*tls_ : nullptr; }

  executor_type get_executor() noexcept { return next_layer().get_executor(); }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (tls_) {
            tls_->async_read_some(b, std::move(handler));
          } else {
            plain_->async_read_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          if (tls_) {
            tls_->async_write_some(b, std::move(handler));
          } else {
            plain_->async_write_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

 private:
  std::optional<NextLayer> plain_;
  std::optional<boost::asio::ssl::stream<NextLayer>> tls_;
};

}  // namespace mesoshttp::detail
