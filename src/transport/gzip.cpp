#include "transport/gzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <climits>

namespace mesoshttp::detail {

std::string gunzip(std::string_view compressed, std::string& out) {
  out.clear();
  z_stream z{};
  // 16 + MAX_WBITS: a gzip header and trailer (with its CRC), not zlib's.
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return "cannot start zlib's inflate";
  // zlib counts in uInt: feed a very large body in pieces.
  std::size_t fed = 0;
  char chunk[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (z.avail_in == 0 && fed < compressed.size()) {
      const std::size_t n = std::min<std::size_t>(compressed.size() - fed, UINT_MAX);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data() + fed));
      z.avail_in = static_cast<uInt>(n);
      fed += n;
    }
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(chunk, sizeof chunk - z.avail_out);
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && z.avail_in == 0 && fed >= compressed.size()) {
      inflateEnd(&z);
      return "the gzip body ends early (" + std::to_string(compressed.size()) + " bytes)";
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      const std::string why = z.msg ? z.msg : "zlib error " + std::to_string(rc);
      inflateEnd(&z);
      return "the gzip body cannot be read: " + why;
    }
  }
  const bool trailing = z.avail_in != 0 || fed < compressed.size();
  inflateEnd(&z);
  if (trailing) return "bytes after the end of the gzip body";
  return {};
}

}  // namespace mesoshttp::detail
