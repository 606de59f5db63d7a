// What the client does with a master's HTTP answer: a Beast response parser
// fed the bytes in socket-sized pieces (no body limit and a chunk callback,
// as on the event stream, whose chunks go through the RecordIO decoder; the
// body of any other answer bounded as the client bounds it), then
// the Location of a 307 through leader_fsm::on_redirect, and the same bytes
// as a configured master URL through parse_master_url.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "fuzz_input.hpp"
#include "mesoshttp/detail/leader_fsm.hpp"
#include "mesoshttp/recordio.hpp"

namespace http = boost::beast::http;
using mesoshttp::detail::leader_fsm;
using mesoshttp::detail::master_endpoint;

namespace {

leader_fsm fsm() {
  std::vector<master_endpoint> masters;
  for (const char* url : {"http://127.0.0.1:5050", "https://127.0.0.1:5051", "127.0.0.1:5052"}) {
    master_endpoint ep;
    if (mesoshttp::detail::parse_master_url(url, ep, nullptr)) std::abort();
    masters.push_back(ep);
  }
  return leader_fsm(std::move(masters), 4);
}

void check_redirect(std::string_view location, bool from_https) {
  auto f = fsm();
  if (from_https) f.on_failure();  // now at the https master
  std::string why;
  const auto before = f.current();
  const auto ec = f.on_redirect(location, &why);
  if (ec) {
    if (why.empty()) std::abort();
    f.on_failure();
  } else {
    if (f.current().host.empty() || f.current().port.empty()) std::abort();
    if (before.tls() && !f.current().tls()) std::abort();  // https -> http is never followed
  }
  // A chain of the same redirect ends (loop or hop limit), it never cycles forever.
  for (int i = 0; i < 16 && !f.on_redirect(location, &why); ++i) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mesoshttp::fuzz::input in(data, size);
  std::uint8_t sizes[3];
  for (auto& s : sizes) s = in.byte();
  const bool from_https = in.byte() & 1;
  const auto bytes = in.rest();

  master_endpoint ep;
  std::string why;
  if (!mesoshttp::detail::parse_master_url(bytes, ep, &why)) {
    if (ep.host.empty() || ep.port.empty() || ep.target != mesoshttp::detail::scheduler_target) std::abort();
  }
  check_redirect(bytes, from_https);

  http::response_parser<http::string_body> parser;
  parser.body_limit(boost::none);
  mesoshttp::recordio::decoder decoder(1 << 16);
  std::function<std::size_t(std::uint64_t, std::string_view, boost::beast::error_code&)> on_chunk =
      [&](std::uint64_t, std::string_view body, boost::beast::error_code&) {
        decoder.feed(body, [](std::string_view) {});
        return body.size();
      };
  parser.on_chunk_body(on_chunk);
  std::string pending;
  boost::beast::error_code ec;
  bool header_seen = false, body_wanted = true;
  mesoshttp::fuzz::for_each_piece(bytes, sizes, 3, [&](std::string_view piece) {
    if (ec || !body_wanted) return;
    pending.append(piece);
    while (!pending.empty() && !ec && !parser.is_done() && body_wanted) {
      const auto used = parser.put(boost::asio::buffer(pending), ec);
      if (ec == http::error::need_more) {
        ec = {};
        break;
      }
      pending.erase(0, used);
      if (!header_seen && parser.is_header_done()) {
        // As the client decides once it has the head: a 200 must be the
        // chunked stream; any other answer's body is read only to quote it,
        // up to 64 KiB, and not at all if it announces more.
        header_seen = true;
        if (parser.get().result_int() == 200) {
          body_wanted = parser.chunked();
        } else {
          const auto announced = parser.content_length();
          body_wanted = !announced || *announced <= 64 * 1024;
          parser.body_limit(64 * 1024);
        }
      }
      if (used == 0) break;
    }
  });
  if (!ec && parser.is_header_done()) {
    const auto& res = parser.get();
    if (res.result_int() == 307) check_redirect(res[http::field::location], from_https);
  }
  return 0;
}
