// What the client does with a master's HTTP answer, fed in socket-sized
// pieces: the head read as http::async_read_header reads it, then the client's own
// classify_subscribe_head (the stream, a refusal to read up to its limit, or
// nothing more to read), the stream through the client's event_stream_reader
// (chunks, RecordIO, a pause as a full consumer makes, the end of input), the
// Location of a 307 through leader_fsm::on_redirect, and the same bytes as a
// configured master URL through parse_master_url.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include <boost/asio/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "fuzz_input.hpp"
#include "mesoshttp/detail/leader_fsm.hpp"
#include "mesoshttp/recordio.hpp"
#include "session/subscribe_answer.hpp"
#include "stream/event_stream_reader.hpp"

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

  // The client's path through an answer: the head as http::async_read_header
  // reads it, its classification, then the stream through the reader (or a
  // refusal's body up to its limit).
  mesoshttp::detail::event_stream_reader reader(1 << 16);
  auto& parser = reader.head_parser();
  parser.eager(false);
  boost::beast::flat_buffer buffer;
  boost::beast::error_code ec;
  enum class phase { head, stream, refusal, done } at = phase::head;
  std::size_t records = 0;
  const std::size_t slice = std::size_t{sizes[0]} + 1;
  bool paused_once = false;
  mesoshttp::fuzz::for_each_piece(bytes, sizes, 3, [&](std::string_view piece) {
    if (at == phase::done) return;
    auto space = buffer.prepare(piece.size());
    std::memcpy(space.data(), piece.data(), piece.size());
    buffer.commit(piece.size());
    while (at == phase::head && buffer.size() > 0) {
      buffer.consume(parser.put(buffer.data(), ec));
      if (ec == http::error::need_more) {
        ec = {};
        return;
      }
      if (ec) {
        at = phase::done;
        return;
      }
      if (!parser.is_header_done()) continue;
      const auto& res = parser.get();
      const auto announced = parser.content_length();
      const auto decision = mesoshttp::detail::classify_subscribe_head({
          .status = res.result_int(),
          .content_type = res[http::field::content_type],
          .stream_id = res["Mesos-Stream-Id"],
          .chunked = parser.chunked(),
          .content_length = announced ? std::optional<std::uint64_t>(*announced) : std::nullopt,
          .can_refresh_authorization = from_https,
      });
      using mesoshttp::detail::subscribe_action;
      switch (decision.action) {
        case subscribe_action::stream:
          if (!parser.chunked() || !res.count("Mesos-Stream-Id")) std::abort();
          reader.start([&](std::string_view record, std::string&) {
            if (record.empty() || record.size() > (1u << 16)) std::abort();
            ++records;
            return std::error_code();
          });
          at = phase::stream;
          break;
        case subscribe_action::malformed:
          if (decision.reason.empty() || res.result_int() != 200) std::abort();
          at = phase::done;
          break;
        case subscribe_action::read_refusal:
          if (announced && *announced > mesoshttp::detail::refusal_body_limit) std::abort();
          parser.body_limit(mesoshttp::detail::refusal_body_limit);
          (void)mesoshttp::detail::classify_subscribe_refusal(res.result_int());
          at = phase::refusal;
          break;
        case subscribe_action::refusal_unread:
        case subscribe_action::follow_redirect:
        case subscribe_action::refresh_authorization: at = phase::done; break;
      }
    }
    if (at == phase::stream) {
      // Pauses once, as a full consumer would, then reads on.
      auto state = reader.parse(buffer, slice, [&] { return !paused_once && (paused_once = true); });
      if (state == mesoshttp::detail::event_stream_reader::state::paused) state = reader.parse(buffer, slice, {});
      if (state == mesoshttp::detail::event_stream_reader::state::ended) {
        if (!reader.error() || reader.reason().empty()) std::abort();
        at = phase::done;
      }
    } else if (at == phase::refusal) {
      while (buffer.size() > 0 && !parser.is_done()) {
        const auto used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        if (ec || used == 0) break;
      }
      if (ec && ec != http::error::need_more) at = phase::done;
      ec = {};
      if (parser.get().body().size() > mesoshttp::detail::refusal_body_limit) std::abort();
    }
  });
  if (at == phase::stream) {
    // The connection ends: the stream says how.
    if (reader.end_of_input(boost::asio::error::make_error_code(boost::asio::error::eof), true) !=
        mesoshttp::detail::event_stream_reader::state::ended) {
      std::abort();
    }
    if (!reader.error()) std::abort();
  }
  if (parser.is_header_done()) {
    const auto& res = parser.get();
    if (res.result_int() == 307) check_redirect(res[http::field::location], from_https);
  }
  (void)records;
  return 0;
}
