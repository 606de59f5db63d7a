// The floors the system benchmarks compare against: plain blocking POSIX
// sockets, no Asio, no Beast, no queues. Only ever pointed at 127.0.0.1.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mesoshttp::bench {

inline int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

inline bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

inline std::string post_request(std::uint16_t port, std::string_view body, std::string_view content_type,
                                std::string_view accept, std::string_view stream_id, bool keep_alive,
                                std::string_view target = "/api/v1/scheduler") {
  std::string r;
  r.reserve(256 + body.size());
  r += "POST ";
  r += target;
  r += " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\nContent-Type: ";
  r += content_type;
  r += "\r\nAccept: ";
  r += accept;
  r += "\r\n";
  if (!stream_id.empty()) {
    r += "Mesos-Stream-Id: ";
    r += stream_id;
    r += "\r\n";
  }
  if (!keep_alive) r += "Connection: close\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  r += body;
  return r;
}

// Reads up to the end of the headers; what follows them stays in `rest`.
// Returns the status (0 on failure) and fills `headers` with the raw block.
inline unsigned read_head(int fd, std::string& headers, std::string& rest) {
  std::string buf;
  char tmp[4096];
  for (;;) {
    const auto end = buf.find("\r\n\r\n");
    if (end != std::string::npos) {
      headers = buf.substr(0, end + 2);
      rest = buf.substr(end + 4);
      break;
    }
    const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return 0;
    buf.append(tmp, static_cast<std::size_t>(n));
  }
  if (headers.size() < 12 || headers.compare(0, 5, "HTTP/") != 0) return 0;
  return static_cast<unsigned>(std::atoi(headers.c_str() + 9));
}

inline std::string header_value(const std::string& headers, std::string_view name) {
  std::size_t pos = 0;
  while ((pos = headers.find("\r\n", pos)) != std::string::npos) {
    pos += 2;
    if (headers.size() - pos > name.size() && strncasecmp(headers.c_str() + pos, name.data(), name.size()) == 0 &&
        headers[pos + name.size()] == ':') {
      auto start = pos + name.size() + 1;
      while (start < headers.size() && headers[start] == ' ') ++start;
      return headers.substr(start, headers.find("\r\n", start) - start);
    }
  }
  return {};
}

// Chunked transfer decoding and RecordIO splitting in their plainest form.
class bare_stream_splitter {
 public:
  // Calls on_record(const char*, size) for every record; false on a framing error.
  template <class OnRecord>
  bool feed(const char* data, std::size_t size, OnRecord&& on_record) {
    while (size > 0) {
      if (chunk_left_ == 0) {
        // Chunk header: hex size line, possibly preceded by the CRLF ending the last chunk.
        const char c = *data++;
        --size;
        if (c == '\n') {
          if (in_size_line_) {
            in_size_line_ = false;
            chunk_left_ = chunk_size_;
            chunk_size_ = 0;
            if (chunk_left_ == 0) return true;  // last chunk
          }
        } else if (c != '\r') {
          in_size_line_ = true;
          const int v = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
          chunk_size_ = chunk_size_ * 16 + static_cast<std::size_t>(v);
        }
        continue;
      }
      const std::size_t take = size < chunk_left_ ? size : chunk_left_;
      if (!records(data, take, on_record)) return false;
      data += take;
      size -= take;
      chunk_left_ -= take;
    }
    return true;
  }

 private:
  template <class OnRecord>
  bool records(const char* data, std::size_t size, OnRecord& on_record) {
    while (size > 0) {
      if (reading_length_) {
        const char c = *data++;
        --size;
        if (c == '\n') {
          reading_length_ = false;
          record_.clear();
          record_.reserve(length_);
        } else {
          length_ = length_ * 10 + static_cast<std::size_t>(c - '0');
        }
        continue;
      }
      const std::size_t want = length_ - record_.size();
      if (record_.empty() && size >= want) {
        on_record(data, want);
      } else {
        const std::size_t take = size < want ? size : want;
        record_.append(data, take);
        data += take;
        size -= take;
        if (record_.size() < length_) continue;
        on_record(record_.data(), record_.size());
        reading_length_ = true;
        length_ = 0;
        continue;
      }
      data += want;
      size -= want;
      reading_length_ = true;
      length_ = 0;
    }
    return true;
  }

  std::size_t chunk_size_ = 0;
  std::size_t chunk_left_ = 0;
  bool in_size_line_ = false;
  bool reading_length_ = true;
  std::size_t length_ = 0;
  std::string record_;
};

}  // namespace mesoshttp::bench
