// What ZooKeeper hands the leader detector, which anyone with write access to
// the cluster's znode controls: `zk://` URLs, the group's child names and the
// leader's MasterInfo (JSON, as masters write it; protobuf too, as a sanity
// net). Nothing may crash; every refusal says why; every master URL derived
// from a MasterInfo is either refused with a reason or a usable endpoint.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/detail/leader_fsm.hpp"
#include "mesoshttp/zk/group.hpp"
#include "mesos/v1/mesos.pb.h"

namespace {

void check_master_url(const std::string& url) {
  mesoshttp::detail::master_endpoint ep;
  std::string why;
  if (mesoshttp::detail::parse_master_url(url, ep, &why)) {
    if (why.empty()) std::abort();
  } else if (ep.host.empty() || ep.port.empty()) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mesoshttp::fuzz::input in(data, size);
  const std::uint8_t mode = in.byte();
  const std::string_view bytes = in.rest();
  std::string why, url;
  switch (mode % 4) {
    case 0: {
      mesoshttp::zk::zk_url parsed;
      if (mesoshttp::zk::parse_zk_url(bytes, parsed, &why)) {
        if (why.empty()) std::abort();
      } else {
        if (parsed.hosts.empty() || parsed.path.empty() || parsed.path.front() != '/') std::abort();
        // The printable form is hosts and path only: never the credentials.
        if (parsed.hosts.find('@') != std::string::npos || parsed.redacted() != "zk://" + parsed.hosts + parsed.path)
          std::abort();
      }
      break;
    }
    case 1: {
      if (mesoshttp::zk::parse_master_info_json(bytes, url, &why)) {
        if (why.empty()) std::abort();
      } else {
        check_master_url(url);
      }
      break;
    }
    case 2: {
      mesos::v1::MasterInfo info;
      if (mesoshttp::decode(bytes, mesoshttp::encoding::protobuf, info)) break;
      if (mesoshttp::zk::master_url(info, url, &why)) {
        if (why.empty()) std::abort();
      } else {
        check_master_url(url);
      }
      break;
    }
    default: {
      std::vector<std::string> children;
      std::size_t start = 0;
      while (start <= bytes.size()) {
        const auto end = bytes.find('\n', start);
        children.emplace_back(
            bytes.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) break;
        start = end + 1;
      }
      const auto leader = mesoshttp::zk::leader_of(children);
      if (leader) {
        const auto sequence = mesoshttp::zk::master_node_sequence(*leader);
        if (!sequence) std::abort();
        for (const auto& child : children) {
          const auto other = mesoshttp::zk::master_node_sequence(child);
          if (other && *other < *sequence) std::abort();
        }
      } else {
        for (const auto& child : children)
          if (mesoshttp::zk::master_node_sequence(child)) std::abort();
      }
      break;
    }
  }
  return 0;
}
