// An event stream's bytes to records, without sockets: the HTTP head (Beast's
// parser), the chunked body, RecordIO framing. Fed what the socket read; hands
// each record to a callback; says why the stream ended. The same for every API
// that streams events (scheduler, executor, operator): it never looks inside a
// record. Tested on every split of the bytes and every way a stream breaks
// (test/stream/), and fuzzed (fuzz_http_response).
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>

#include "mesoshttp/recordio.hpp"

namespace mesoshttp::detail {

class event_stream_reader {
 public:
  // Gets each record in order. Returning an error stops the stream there,
  // with `why` as the reason (a record that does not decode, an ERROR event).
  using record_handler = std::function<std::error_code(std::string_view record, std::string& why)>;

  // Why parse() returned.
  enum class state {
    need_more,  // everything buffered is parsed; read more
    paused,     // after a slice, pause() said stop (a consumer is full); the rest stays buffered
    ended,      // the stream is over: error() and reason() say why
  };
  // What broke it, for the caller's message.
  enum class cause {
    none,
    framing,  // RecordIO framing (the error is the recordio_* code)
    record,   // the record handler refused a record (its `why` is the reason)
    http,     // the HTTP framing (chunk sizes, ...)
    end,      // the body ended (last chunk, or EOF via end_of_input())
  };

  explicit event_stream_reader(std::size_t max_record_size);

  // For reading the head (http::async_read_header), before start().
  boost::beast::http::response_parser<boost::beast::http::string_body>& head_parser() noexcept { return parser_; }

  // The head said "stream": from now on records go to `on_record`.
  void start(record_handler on_record);

  // Parses what `buffer` holds, consuming it, in slices of `slice_size`
  // bytes; after each slice asks `pause()` whether to stop for now (so that a
  // consumer that fills up stops the parsing within a slice's worth of events).
  state parse(boost::beast::flat_buffer& buffer, std::size_t slice_size, const std::function<bool()>& pause);

  // The connection ended with `socket_error` (eof is the clean case) after
  // everything buffered was parsed: how the stream ended. Inside a record the
  // stream was truncated; between records, the master closed it.
  state end_of_input(std::error_code socket_error, bool clean_end);

  std::error_code error() const noexcept { return error_; }
  cause what() const noexcept { return cause_; }
  const std::string& reason() const noexcept { return reason_; }

 private:
  state end(cause c, std::error_code ec, std::string reason);

  boost::beast::http::response_parser<boost::beast::http::string_body> parser_;
  recordio::decoder decoder_;
  record_handler on_record_;
  // Beast keeps a reference to it, so it lives as long as the parser.
  std::function<std::size_t(std::uint64_t, std::string_view, boost::beast::error_code&)> on_chunk_;
  // The bytes handed to the last put() that answered "need more" (0 after
  // one that parsed something): the next put() is handed more than that.
  std::size_t unfinished_ = 0;
  std::error_code error_;
  cause cause_ = cause::none;
  std::string reason_;
};

}  // namespace mesoshttp::detail
