#include "transport/tls_client.hpp"

#include <boost/asio/ip/address.hpp>

#include <stdexcept>

#include "mesoshttp/detail/maybe_tls_stream.hpp"

namespace mesoshttp::detail {

namespace asio = boost::asio;

const std::string& tls_client::build() {
  if (context_ || !error_.empty()) return error_;
  try {
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    restrict_to_modern_tls(ctx);
    const auto& t = config_;
    ctx.set_verify_mode(t.verify_peer ? asio::ssl::verify_peer : asio::ssl::verify_none);
    if (!t.ca_file.empty()) ctx.load_verify_file(t.ca_file);
    if (!t.ca_dir.empty()) ctx.add_verify_path(t.ca_dir);
    if (t.ca_file.empty() && t.ca_dir.empty()) ctx.set_default_verify_paths();
    if (t.client_certificate_file.empty() != t.client_private_key_file.empty()) {
      // Caught here rather than as a handshake failure the master reports
      // only after the first request (TLS 1.3).
      throw std::invalid_argument("a client certificate needs its private key and the key its certificate");
    }
    if (!t.client_certificate_file.empty()) {
      ctx.use_certificate_chain_file(t.client_certificate_file);
      try {
        ctx.use_private_key_file(t.client_private_key_file, asio::ssl::context::pem);
      } catch (const boost::system::system_error& e) {
        // OpenSSL's reason ("key values mismatch") names neither file.
        throw std::invalid_argument("client private key " + t.client_private_key_file + " (for certificate " +
                                    t.client_certificate_file + "): " + e.what());
      }
    }
    context_.emplace(std::move(ctx));
  } catch (const std::exception& e) {
    error_ = std::string("TLS configuration: ") + e.what();
  }
  return error_;
}

asio::ssl::context* tls_client::context_for(const master_endpoint& master) {
  if (!master.tls()) return nullptr;
  build();
  return context_ ? &*context_ : nullptr;
}

void tls_client::prepare(asio::ssl::stream<boost::beast::tcp_stream>& stream, const master_endpoint& master) const {
  const std::string name = config_.server_name.empty() ? master.host : config_.server_name;
  boost::system::error_code not_ip;
  asio::ip::make_address(name, not_ip);
  if (not_ip) {
    // SNI is for names only. (SSL_set_tlsext_host_name is this call behind
    // a macro with a C cast.)
    SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             static_cast<void*>(const_cast<char*>(name.c_str())));
  }
  if (!config_.verify_peer) return;
  stream.set_verify_callback(
      [check = asio::ssl::host_name_verification(name)](bool preverified, asio::ssl::verify_context& ctx) mutable {
        const bool ok = check(preverified, ctx);
        // A sound chain for another host: say so, rather than a bare "verify failed".
        if (preverified && !ok) X509_STORE_CTX_set_error(ctx.native_handle(), X509_V_ERR_HOSTNAME_MISMATCH);
        return ok;
      });
}

std::string tls_client::failure_text(asio::ssl::stream<boost::beast::tcp_stream>& stream, const master_endpoint& master,
                                     const boost::system::error_code& ec) {
  std::string text = "TLS handshake with " + master.url() + " failed: " + ec.message();
  const long verify = SSL_get_verify_result(stream.native_handle());
  if (verify != X509_V_OK) text += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
  return text;
}

}  // namespace mesoshttp::detail
