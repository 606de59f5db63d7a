#include "stream/event_stream_reader.hpp"

#include <algorithm>

#include "mesoshttp/error.hpp"

namespace mesoshttp::detail {

namespace http = boost::beast::http;

event_stream_reader::event_stream_reader(std::size_t max_record_size) : decoder_(max_record_size) {
  // The stream is endless; the record limit applies. (Not eager: reading
  // the head with http::async_read_header turns that off anyway, so each
  // put() parses one chunk header or body, and parse() loops.)
  parser_.body_limit(boost::none);
}

void event_stream_reader::start(record_handler on_record) {
  on_record_ = std::move(on_record);
  on_chunk_ = [this](std::uint64_t, std::string_view data, boost::beast::error_code& ec) {
    // Inside the parser: frames and hands on records. Errors stop the parse.
    const auto framing = decoder_.feed(data, [&](std::string_view record) {
      if (cause_ != cause::none) return;
      std::string why;
      if (auto refused = on_record_(record, why)) end(cause::record, refused, std::move(why));
    });
    if (framing && cause_ == cause::none) end(cause::framing, framing, framing.message());
    if (cause_ != cause::none) ec = error_;
    return data.size();
  };
  parser_.on_chunk_body(on_chunk_);
}

event_stream_reader::state event_stream_reader::parse(boost::beast::flat_buffer& buffer, std::size_t slice_size,
                                                      const std::function<bool()>& pause) {
  if (cause_ != cause::none) return state::ended;
  boost::beast::error_code ec;
  std::size_t slice = slice_size;
  while (buffer.size() > 0 && !parser_.is_done()) {
    const auto data = buffer.data();
    // After a "need more", Beast resumes its search for the end of a chunk
    // header or trailer where it stopped: the next put must be handed at
    // least the bytes it saw, or it searches outside them.
    const std::size_t take = std::min(std::max(slice, unfinished_ + 1), data.size());
    if (take <= unfinished_) break;  // nothing new since the last "need more"
    const std::size_t used = parser_.put(boost::asio::buffer(data.data(), take), ec);
    buffer.consume(used);
    if (ec == http::error::need_more) {
      ec = {};
      unfinished_ = take;
      if (take == data.size()) break;  // wait for more bytes
      slice = data.size();             // a chunk header cut by the slice
      continue;
    }
    unfinished_ = 0;
    if (ec || cause_ != cause::none) break;
    slice = slice_size;
    if (pause && pause()) return state::paused;
  }
  if (cause_ != cause::none) return state::ended;
  if (ec) return end(cause::http, ec, ec.message());
  if (parser_.is_done()) {
    std::error_code why = decoder_.finish();
    if (!why) why = make_error_code(error::stream_closed);
    return end(cause::end, why, why.message());
  }
  return state::need_more;
}

event_stream_reader::state event_stream_reader::end_of_input(std::error_code socket_error, bool clean_end) {
  if (cause_ != cause::none) return state::ended;
  std::error_code why = decoder_.finish();
  if (!why) why = clean_end ? std::error_code(make_error_code(error::stream_closed)) : socket_error;
  return end(cause::end, why, why.message());
}

event_stream_reader::state event_stream_reader::end(cause c, std::error_code ec, std::string reason) {
  cause_ = c;
  error_ = ec;
  reason_ = std::move(reason);
  return state::ended;
}

}  // namespace mesoshttp::detail
