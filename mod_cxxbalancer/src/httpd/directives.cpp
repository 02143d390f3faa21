// <CxxBalancer NAME> ... </CxxBalancer> and its children.
//
// The container walks its own children instead of calling ap_walk_config(): BalancerMember
// is also a mod_proxy directive, and ap_walk_config() would dispatch it to whichever module
// was loaded first. Parsing the children here makes the result independent of LoadModule
// order. Errors point at the child's line through cmd->err_directive.
#include "httpd/directives.h"

#include <string>
#include <vector>

#include "config/balancer_url.h"
#include "config/settings.h"
#include "core/string_util.h"
#include "httpd/guard.h"
#include "httpd/server_state.h"
#include "net/tls_transport.h"

namespace cxxb::httpd {
namespace {

std::vector<std::string> splitArgs(apr_pool_t* pool, const char* args) {
  std::vector<std::string> words;
  const char* cursor = args;
  while (*cursor) {
    char* word = ap_getword_conf(pool, &cursor);
    if (*word == '\0' && *cursor == '\0') {
      break;
    }
    words.emplace_back(word);
  }
  return words;
}

/** sslca, sslcert and sslkey relative to ServerRoot, as mod_ssl reads its files. */
void resolveTlsPaths(apr_pool_t* pool, config::MemberConfig& member) {
  for (std::string* path : {&member.sslCa, &member.sslCert, &member.sslKey}) {
    if (!path->empty()) {
      if (const char* full = ap_server_root_relative(pool, path->c_str())) {
        *path = full;
      }
    }
  }
}

const char* fail(cmd_parms* cmd, const ap_directive_t* where, const std::string& message) {
  cmd->err_directive = where;
  return apr_pstrdup(cmd->pool, message.c_str());
}

const char* onBalancerSection(cmd_parms* cmd, void*, const char* arg) noexcept {
  return guardConfig(cmd, [&]() -> const char* {
    if (const char* err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT)) {
      return err;
    }
    std::string_view raw(arg);
    if (raw.empty() || raw.back() != '>') {
      return "<CxxBalancer> directive missing closing '>'";
    }
    raw.remove_suffix(1);
    auto words = splitArgs(cmd->temp_pool, std::string(raw).c_str());
    if (words.size() != 1) {
      return "<CxxBalancer> takes exactly one argument: the balancer name, e.g. <CxxBalancer "
             "webapp>";
    }
    ConfigGeneration* generation = configGeneration();
    if (generation == nullptr) {
      return "<CxxBalancer>: internal error: no configuration generation";
    }
    config::BalancerConfig balancer;
    balancer.name = words[0];
    balancer.where = {cmd->directive->filename ? cmd->directive->filename : "",
                      cmd->directive->line_num};
    std::string section = "<CxxBalancer " + balancer.name + ">: ";
    if (auto ok = config::validateBalancerName(balancer.name); !ok) {
      return fail(cmd, cmd->directive, section + ok.error());
    }
    if (const auto* other = generation->find(balancer.name)) {
      return fail(cmd, cmd->directive,
                  section + "balancer name already declared at " + other->where.file + ":" +
                      std::to_string(other->where.line) + "; names must be unique");
    }
    std::vector<const ap_directive_t*> memberLines;
    for (const ap_directive_t* child = cmd->directive->first_child; child; child = child->next) {
      std::string_view name(child->directive);
      auto args = splitArgs(cmd->temp_pool, child->args ? child->args : "");
      if (iequals(name, "BalancerMember")) {
        auto member = config::parseMemberLine(args);
        if (!member) {
          return fail(cmd, child, "BalancerMember: " + member.error());
        }
        member->where = {child->filename ? child->filename : "", child->line_num};
        resolveTlsPaths(cmd->pool, *member);
        balancer.members.push_back(std::move(*member));
        memberLines.push_back(child);
      } else if (iequals(name, "BalancerSet")) {
        if (auto ok = config::parseBalancerSetLine(balancer, args); !ok) {
          return fail(cmd, child, "BalancerSet: " + ok.error());
        }
      } else {
        return fail(cmd, child,
                    section + "'" + std::string(name) +
                        "' is not allowed here; allowed: BalancerMember, BalancerSet");
      }
    }
    size_t offending = SIZE_MAX;
    if (auto ok = config::validateBalancer(balancer, &offending); !ok) {
      if (offending < memberLines.size()) {
        return fail(cmd, memberLines[offending], "BalancerMember: " + ok.error());
      }
      return fail(cmd, cmd->directive, section + ok.error());
    }
    generation->balancers.push_back(std::move(balancer));
    return nullptr;
  });
}

const char* onBalancerSetOutside(cmd_parms*, void*, const char*) noexcept {
  return "BalancerSet is only allowed inside <CxxBalancer NAME> ... </CxxBalancer>";
}

/**
 * BalancerMember outside <CxxBalancer>. mod_proxy has the same directive for its own
 * balancers: inside <Proxy balancer://...>, or naming balancer:// itself, it is theirs and we
 * step aside (DECLINE_CMD makes httpd ask the next module). A bare one belongs to nobody,
 * and mod_proxy's own message would not tell a CxxBalancer user what is wrong.
 */
const char* onBalancerMemberOutside(cmd_parms* cmd, void*, const char* args) noexcept {
  if (cmd->path != nullptr || strncasecmp(args, "balancer://", 11) == 0) {
    return DECLINE_CMD;
  }
  for (const ap_directive_t* parent = cmd->directive ? cmd->directive->parent : nullptr;
       parent != nullptr; parent = parent->parent) {
    if (strcasecmp(parent->directive, "<Proxy") == 0 ||
        strcasecmp(parent->directive, "<ProxyMatch") == 0) {
      return DECLINE_CMD;
    }
  }
  return "BalancerMember must be inside <CxxBalancer NAME> (or <Proxy balancer://NAME> for "
         "mod_proxy_balancer)";
}

/**
 * Checks one directive that may name a cxxbalancer:// URL (ProxyPass, ProxyPassMatch,
 * RewriteRule with [P]): every such URL must name a declared balancer.
 */
bool checkDirective(server_rec* s, apr_pool_t* pool, const ConfigGeneration& generation,
                    const ap_directive_t* directive) {
  bool ok = true;
  for (const auto& word : splitArgs(pool, directive->args ? directive->args : "")) {
    auto url = config::parseBalancerUrl(word);
    if (!url) {
      continue;
    }
    std::string name(url->name);
    if (!name.empty() && generation.find(name) != nullptr) {
      continue;
    }
    ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                 "CXB00011: %s:%d: %s %s: no <CxxBalancer %s> is declared; declare it, or fix "
                 "the name after cxxbalancer://",
                 directive->filename ? directive->filename : "?", directive->line_num,
                 directive->directive, directive->args ? directive->args : "", name.c_str());
    ok = false;
  }
  return ok;
}

bool checkTree(server_rec* s, apr_pool_t* pool, const ConfigGeneration& generation,
               const ap_directive_t* directive) {
  bool ok = true;
  for (; directive != nullptr; directive = directive->next) {
    if (strcasecmp(directive->directive, "ProxyPass") == 0 ||
        strcasecmp(directive->directive, "ProxyPassMatch") == 0 ||
        strcasecmp(directive->directive, "RewriteRule") == 0) {
      ok = checkDirective(s, pool, generation, directive) && ok;
    }
    ok = checkTree(s, pool, generation, directive->first_child) && ok;
  }
  return ok;
}

}  // namespace

const command_rec kDirectives[] = {
    AP_INIT_RAW_ARGS("<CxxBalancer", onBalancerSection, nullptr, RSRC_CONF,
                     "<CxxBalancer NAME> with BalancerMember URL [key=value ...] and "
                     "BalancerSet key=value ... inside"),
    AP_INIT_RAW_ARGS("BalancerMember", onBalancerMemberOutside, nullptr, RSRC_CONF | ACCESS_CONF,
                     "only inside <CxxBalancer NAME> (or mod_proxy's <Proxy balancer://NAME>)"),
    AP_INIT_RAW_ARGS("BalancerSet", onBalancerSetOutside, nullptr, RSRC_CONF | ACCESS_CONF,
                     "only inside <CxxBalancer NAME>"),
    {nullptr, {.no_args = nullptr}, nullptr, 0, RAW_ARGS, nullptr},
};

int checkProxyPassTargets(server_rec* main, apr_pool_t* ptemp) {
  const ConfigGeneration* generation = configGeneration();
  if (generation == nullptr) {
    return OK;
  }
  // The directive tree, not mod_proxy's alias tables: it covers <Location>, <VirtualHost>
  // and RewriteRule [P] alike, and knows the file and line to point at.
  return checkTree(main, ptemp, *generation, ap_conftree) ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

int checkTlsFiles(server_rec* s) {
  const ConfigGeneration* generation = configGeneration();
  if (generation == nullptr) {
    return OK;
  }
  bool ok = true;
  for (const auto& balancer : generation->balancers) {
    for (const auto& member : balancer.members) {
      if (member.url.scheme != config::Scheme::Https) {
        continue;
      }
      // Building the context reads every file as the child will; it is thrown away.
      auto context = net::TlsClientContext::create(net::TlsSettings::forMember(member));
      if (!context) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     "CXB00012: %s:%d: BalancerMember %s: %s", member.where.file.c_str(),
                     member.where.line, member.url.text().c_str(), context.error().c_str());
        ok = false;
      }
    }
  }
  return ok ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

}  // namespace cxxb::httpd
