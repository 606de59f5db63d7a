#include "mesoshttp/zk/group.hpp"

#include <algorithm>
#include <charconv>

#include "mesoshttp/codec.hpp"
#include "mesoshttp/error.hpp"

namespace mesoshttp::zk {

namespace {

void set_why(std::string* why, std::string text) {
  if (why) *why = std::move(text);
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool valid_port(std::string_view s) {
  if (!all_digits(s) || s.size() > 5) return false;
  unsigned value = 0;
  std::from_chars(s.data(), s.data() + s.size(), value);
  return value >= 1 && value <= 65535;
}

// One entry of the connect string, with the default port added. `why` names
// the entry: it comes after the '@', so it holds no credentials.
std::error_code parse_host(std::string_view entry, std::string& out, std::string* why) {
  if (entry.empty()) {
    set_why(why, "empty host in the ZooKeeper host list");
    return error::invalid_master_url;
  }
  std::string_view host = entry;
  std::string_view port;
  if (entry.front() == '[') {
    const auto close = entry.find(']');
    if (close == std::string_view::npos || close == 1) {
      set_why(why, "bad IPv6 host '" + std::string(entry) + "'");
      return error::invalid_master_url;
    }
    host = entry.substr(0, close + 1);
    const auto rest = entry.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        set_why(why, "bad host '" + std::string(entry) + "'");
        return error::invalid_master_url;
      }
      port = rest.substr(1);
      if (port.empty()) port = "?";  // "host:" is a mistake, not a default
    }
  } else {
    const auto colon = entry.find(':');
    if (colon != std::string_view::npos) {
      if (entry.find(':', colon + 1) != std::string_view::npos) {
        set_why(why, "bad host '" + std::string(entry) + "' (IPv6 addresses go in brackets)");
        return error::invalid_master_url;
      }
      host = entry.substr(0, colon);
      port = entry.substr(colon + 1);
      if (port.empty()) port = "?";
    }
  }
  if (host.empty()) {
    set_why(why, "no host name in '" + std::string(entry) + "'");
    return error::invalid_master_url;
  }
  if (!port.empty() && !valid_port(port)) {
    set_why(why, "invalid port in '" + std::string(entry) + "'");
    return error::invalid_master_url;
  }
  out.assign(host);
  out += ':';
  out += port.empty() ? std::string_view("2181") : port;
  return {};
}

std::string dotted(std::uint32_t ip) {
  // MasterInfo.ip is the address as it sits in memory (network order) read
  // as a host integer; masters run on little-endian machines, so the first
  // octet is the low byte (16777343 is 127.0.0.1).
  return std::to_string(ip & 0xffu) + '.' + std::to_string((ip >> 8) & 0xffu) + '.' +
         std::to_string((ip >> 16) & 0xffu) + '.' + std::to_string((ip >> 24) & 0xffu);
}

}  // namespace

std::string zk_url::redacted() const { return "zk://" + hosts + path; }

std::error_code parse_zk_url(std::string_view url, zk_url& out, std::string* why) {
  constexpr std::string_view scheme = "zk://";
  if (url.substr(0, scheme.size()) != scheme) {
    set_why(why, "a ZooKeeper URL starts with zk://");
    return error::invalid_master_url;
  }
  auto rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) {
    set_why(why, "no znode path in the ZooKeeper URL (e.g. zk://host:2181/mesos)");
    return error::invalid_master_url;
  }
  auto authority = rest.substr(0, slash);
  const auto path = rest.substr(slash);
  if (authority.find('@') == std::string_view::npos && path.find('@') != std::string_view::npos) {
    // Most likely credentials whose password holds a '/', which ended the
    // host list early: what came before it would be quoted as a host (part
    // of the password) or even accepted. Refuse, quoting nothing.
    set_why(why,
            "'@' after the ZooKeeper host list: a password in a zk:// URL cannot contain '/', "
            "nor a znode path '@'");
    return error::invalid_master_url;
  }

  zk_url parsed;
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const auto credentials = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const auto colon = credentials.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      // Do not quote them: a typo in a password is still a password.
      set_why(why, "credentials in a ZooKeeper URL must be user:password");
      return error::invalid_master_url;
    }
    parsed.credentials.emplace(credentials);
  }
  if (authority.empty()) {
    set_why(why, "no ZooKeeper host in the URL");
    return error::invalid_master_url;
  }
  for (std::size_t from = 0;;) {
    const auto comma = authority.find(',', from);
    std::string host;
    if (auto ec = parse_host(authority.substr(from, comma == std::string_view::npos ? comma : comma - from), host, why))
      return ec;
    if (!parsed.hosts.empty()) parsed.hosts += ',';
    parsed.hosts += host;
    if (comma == std::string_view::npos) break;
    from = comma + 1;
  }

  if (path.find_first_of("?#") != std::string_view::npos) {
    set_why(why, "a ZooKeeper URL has no query or fragment");
    return error::invalid_master_url;
  }
  std::string normalized(path);
  if (normalized.size() > 1 && normalized.back() == '/') normalized.pop_back();
  for (std::size_t from = 1; normalized.size() > 1;) {
    const auto next = normalized.find('/', from);
    const auto segment =
        std::string_view(normalized).substr(from, next == std::string::npos ? std::string::npos : next - from);
    if (segment.empty() || segment == "." || segment == "..") {
      set_why(why, "invalid znode path '" + normalized + "'");
      return error::invalid_master_url;
    }
    if (next == std::string::npos) break;
    from = next + 1;
  }
  parsed.path = std::move(normalized);
  out = std::move(parsed);
  return {};
}

std::optional<std::uint64_t> master_node_sequence(std::string_view child) {
  if (child.substr(0, master_node_prefix.size()) != master_node_prefix) return std::nullopt;
  const auto digits = child.substr(master_node_prefix.size());
  // ZooKeeper always writes exactly 10 digits; anything else was not made by
  // a sequential create and is not a master.
  if (digits.size() != 10 || !all_digits(digits)) return std::nullopt;
  std::uint64_t value = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return value;
}

std::optional<std::string> leader_of(const std::vector<std::string>& children) {
  const std::string* best = nullptr;
  std::uint64_t best_sequence = 0;
  for (const auto& child : children) {
    const auto sequence = master_node_sequence(child);
    if (!sequence) continue;
    if (!best || *sequence < best_sequence) {
      best = &child;
      best_sequence = *sequence;
    }
  }
  if (!best) return std::nullopt;
  return *best;
}

std::error_code master_url(const mesos::v1::MasterInfo& info, std::string& url, std::string* why) {
  std::string host;
  std::uint32_t port = 0;
  if (info.has_address()) {
    host = !info.address().hostname().empty() ? info.address().hostname() : info.address().ip();
    port = info.address().port() > 0 ? static_cast<std::uint32_t>(info.address().port()) : 0;
  }
  if (host.empty()) host = !info.hostname().empty() ? info.hostname() : (info.ip() ? dotted(info.ip()) : "");
  if (port == 0) port = info.port();
  if (host.empty()) {
    set_why(why, "MasterInfo has neither a hostname nor an ip");
    return error::decode_failed;
  }
  if (port == 0 || port > 65535) {
    set_why(why, "MasterInfo has no valid port (" + std::to_string(port) + ")");
    return error::decode_failed;
  }
  const bool v6 = host.find(':') != std::string::npos && host.front() != '[';
  url = "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  return {};
}

std::error_code parse_master_info_json(std::string_view text, std::string& url, std::string* why,
                                       mesos::v1::MasterInfo* info) {
  mesos::v1::MasterInfo local;
  auto& decoded = info ? *info : local;
  std::string reason;
  if (auto ec = decode(text, encoding::json, decoded, &reason)) {
    set_why(why, "MasterInfo JSON: " + reason);
    return ec;
  }
  return master_url(decoded, url, why);
}

}  // namespace mesoshttp::zk
