#include "mesoshttp/detail/auth.hpp"

#include <openssl/evp.h>

namespace mesoshttp::detail {

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string basic_authorization(std::string_view principal, std::string_view secret) {
  std::string plain;
  plain.reserve(principal.size() + 1 + secret.size());
  plain.append(principal).append(":").append(secret);
  return "Basic " + base64_encode(plain);
}

}  // namespace mesoshttp::detail
