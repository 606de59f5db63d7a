#include "transport/request.hpp"

#include <boost/beast/http/status.hpp>

namespace mesoshttp::detail {

namespace {

std::string quote_body(std::string_view body) {
  constexpr std::size_t max = 512;
  std::string text(body.substr(0, max));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (body.size() > max) text += "...";
  return text;
}

}  // namespace

std::string build_post(const post_request& r) {
  std::string req;
  req.reserve(256 + r.body.size());
  req += "POST ";
  req += r.master.target;
  req += " HTTP/1.1\r\nHost: ";
  req += r.master.authority();
  req += "\r\nContent-Type: ";
  req += content_type(r.wire);
  req += "\r\nAccept: ";
  req += content_type(r.wire);
  if (r.accept_gzip) req += "\r\nAccept-Encoding: gzip";
  req += "\r\nUser-Agent: ";
  req += r.user_agent;
  if (!r.stream_id.empty()) {
    req += "\r\nMesos-Stream-Id: ";
    req += r.stream_id;
  }
  if (!r.authorization.empty()) {
    req += "\r\nAuthorization: ";
    req += r.authorization;
  }
  req += "\r\nConnection: keep-alive\r\nContent-Length: ";
  req += std::to_string(r.body.size());
  req += "\r\n\r\n";
  req.append(r.body.data(), r.body.size());
  return req;
}

std::string status_text(unsigned status, std::string_view body) {
  namespace http = boost::beast::http;
  std::string text =
      std::to_string(status) + " " + std::string(http::obsolete_reason(static_cast<http::status>(status)));
  if (!body.empty()) text += ": " + quote_body(body);
  return text;
}

}  // namespace mesoshttp::detail
