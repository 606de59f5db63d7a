// Certificates made at test time (OpenSSL API, EC P-256: fast): a CA, a
// server certificate for 127.0.0.1/localhost, one that is expired, one for
// another host, a client certificate, and an unrelated CA with a client
// certificate of its own. Nothing is committed or downloaded.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace mesoshttp::test {

class test_pki {
 public:
  test_pki() {
    dir_ = std::filesystem::temp_directory_path() /
           ("mesoshttp-pki-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(dir_);
    auto ca_key = key();
    auto ca = cert("mesoshttp test CA", ca_key.get(), nullptr, nullptr, true, "", 0, 30);
    write_cert(ca.get(), ca_cert());
    // The layout OpenSSL's CApath lookup expects: <subject hash>.0 files.
    std::filesystem::create_directories(ca_dir());
    char hashed[32];
    std::snprintf(hashed, sizeof hashed, "%08lx.0", X509_subject_name_hash(ca.get()));
    write_cert(ca.get(), (std::filesystem::path(ca_dir()) / hashed).string());
    auto other_key = key();
    auto other = cert("unrelated CA", other_key.get(), nullptr, nullptr, true, "", 0, 30);
    write_cert(other.get(), other_ca_cert());

    issue("server", "IP:127.0.0.1,DNS:localhost", 0, 30, ca.get(), ca_key.get());
    issue("expired", "IP:127.0.0.1,DNS:localhost", -30, -1, ca.get(), ca_key.get());
    issue("wrong-host", "DNS:master.elsewhere.example", 0, 30, ca.get(), ca_key.get());
    issue("client", "DNS:framework.example", 0, 30, ca.get(), ca_key.get());
    issue("stranger-client", "DNS:framework.example", 0, 30, other.get(), other_key.get());
  }
  ~test_pki() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string ca_cert() const { return (dir_ / "ca.pem").string(); }
  std::string ca_dir() const { return (dir_ / "ca-dir").string(); }
  std::string other_ca_cert() const { return (dir_ / "other-ca.pem").string(); }
  std::string cert_file(const std::string& name) const { return (dir_ / (name + ".pem")).string(); }
  std::string key_file(const std::string& name) const { return (dir_ / (name + ".key")).string(); }

 private:
  using key_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
  using cert_ptr = std::unique_ptr<X509, decltype(&X509_free)>;

  static int& counter() {
    static int n = 0;
    return n;
  }

  static key_ptr key() {
    key_ptr k(EVP_EC_gen("P-256"), &EVP_PKEY_free);
    if (!k) throw std::runtime_error("EC key generation failed");
    return k;
  }

  static void add_ext(X509* subject, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : subject, subject, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!ext) throw std::runtime_error("bad extension " + value);
    X509_add_ext(subject, ext, -1);
    X509_EXTENSION_free(ext);
  }

  cert_ptr cert(const std::string& cn, EVP_PKEY* k, X509* issuer, EVP_PKEY* issuer_key, bool ca,
                const std::string& sans, long from_days, long to_days) {
    cert_ptr x(X509_new(), &X509_free);
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), ++serial_);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), from_days * 86400L);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), to_days * 86400L);
    X509_set_pubkey(x.get(), k);
    X509_NAME* name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer) : name);
    add_ext(x.get(), issuer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(x.get(), issuer, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    if (!sans.empty()) add_ext(x.get(), issuer, NID_subject_alt_name, sans);
    if (!X509_sign(x.get(), issuer_key ? issuer_key : k, EVP_sha256())) throw std::runtime_error("sign failed");
    return x;
  }

  void issue(const std::string& name, const std::string& sans, long from, long to, X509* ca, EVP_PKEY* ca_key) {
    auto k = key();
    auto c = cert(name, k.get(), ca, ca_key, false, sans, from, to);
    write_cert(c.get(), cert_file(name));
    FILE* f = std::fopen(key_file(name).c_str(), "w");
    if (!f) throw std::runtime_error("cannot write key");
    PEM_write_PrivateKey(f, k.get(), nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
  }

  static void write_cert(X509* c, const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "w");
    if (!f) throw std::runtime_error("cannot write " + path);
    PEM_write_X509(f, c);
    std::fclose(f);
  }

  std::filesystem::path dir_;
  long serial_ = 0;
};

}  // namespace mesoshttp::test
