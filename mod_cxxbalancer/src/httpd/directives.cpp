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
#include "core/message_ids.h"
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

/** Returns the balancer name of a cxxbalancer:// URL, or "" for other URLs. */
std::string balancerNameOf(std::string_view url) {
  auto parsed = config::parseBalancerUrl(url);
  return parsed ? std::string(parsed->name) : std::string();
}

/** The words after `first` that are key=value, as mod_proxy reads them; flags are skipped. */
std::vector<std::pair<std::string, std::string>> keyValuesAfter(
    const std::vector<std::string>& words, size_t first) {
  std::vector<std::pair<std::string, std::string>> settings;
  for (size_t i = first; i < words.size(); ++i) {
    size_t eq = words[i].find('=');
    if (eq != std::string::npos) {
      settings.emplace_back(words[i].substr(0, eq), words[i].substr(eq + 1));
    }
  }
  return settings;
}

// --- mod_proxy's directives, when they name a cxxbalancer:// URL ---------------------------
//
// mod_proxy is loaded before this module, so httpd offers these directives to us first;
// DECLINE_CMD hands a line on to mod_proxy unchanged. For cxxbalancer:// URLs mod_proxy would
// treat the URL as a plain worker: keys on ProxyPass and ProxySet land on that worker, which
// nothing reads, and balancer keys fail with its bare "unknown Worker parameter". The
// messages here name the directive that does the job instead.

const char* refuse(cmd_parms* cmd, const std::string& message) {
  return apr_pstrdup(cmd->pool, message.c_str());
}

/** ProxyPass and ProxyPassMatch: key=value words are refused for cxxbalancer:// URLs. */
const char* onProxyPass(cmd_parms* cmd, void*, const char* args) noexcept {
  return guardConfig(cmd, [&]() -> const char* {
    auto words = splitArgs(cmd->temp_pool, args);
    // As add_pass() reads them: the path (not inside <Location>, and ProxyPass may put "~"
    // before it), the URL, then flags (nocanon, noquery, interpolate) and key=value.
    size_t url = 0;
    if (cmd->path == nullptr) {
      url = !words.empty() && words[0] == "~" ? 2 : 1;
    }
    if (url >= words.size() || !config::isBalancerUrl(words[url])) {
      return DECLINE_CMD;
    }
    std::string directive = cmd->cmd->name;
    for (const auto& [key, value] : keyValuesAfter(words, url + 1)) {
      if (iequals(key, "mapping")) {
        continue;  // how mod_proxy maps the path, not a worker setting
      }
      return refuse(cmd, directive + ": " +
                             config::misplacedKeyMessage(
                                 balancerNameOf(words[url]), key, value,
                                 "not read on " + directive + " lines for cxxbalancer:// URLs"));
    }
    return DECLINE_CMD;
  });
}

/** ProxySet cxxbalancer://NAME key=value: BalancerSet does this. */
const char* onProxySet(cmd_parms* cmd, void*, const char* args) noexcept {
  return guardConfig(cmd, [&]() -> const char* {
    // Inside <Proxy cxxbalancer://...> the section is refused before its lines are read.
    auto words = splitArgs(cmd->temp_pool, args);
    if (words.empty() || !config::isBalancerUrl(words[0])) {
      return DECLINE_CMD;
    }
    std::string name = balancerNameOf(words[0]);
    const std::string problem = "ProxySet does not configure cxxbalancer:// balancers";
    if (auto settings = keyValuesAfter(words, 1); !settings.empty()) {
      const auto& [key, value] = settings.front();
      return refuse(cmd, "ProxySet: " + config::misplacedKeyMessage(name, key, value, problem));
    }
    return refuse(cmd, "ProxySet " + words[0] + ": " + problem +
                           "; allowed: BalancerSet key=value inside <CxxBalancer " + name + ">");
  });
}

/**
 * <Proxy cxxbalancer://...> and <ProxyMatch ...>: refused when it defines a balancer the way
 * mod_proxy_balancer does (BalancerMember or ProxySet inside, or keys on the section line).
 * A section with only access control is mod_proxy's to apply to proxied URLs: declined.
 */
const char* onProxySection(cmd_parms* cmd, void*, const char* arg) noexcept {
  return guardConfig(cmd, [&]() -> const char* {
    std::string_view raw(arg);
    size_t close = raw.rfind('>');
    if (close == std::string_view::npos) {
      return DECLINE_CMD;  // mod_proxy names the missing '>'
    }
    auto words = splitArgs(cmd->temp_pool, std::string(raw.substr(0, close)).c_str());
    if (words.empty()) {
      return DECLINE_CMD;
    }
    std::string_view target = words[0];
    if (target.size() > 6 && iequals(target.substr(0, 6), "proxy:")) {
      target.remove_prefix(6);
    }
    if (cmd->cmd->cmd_data != nullptr && !target.empty() && target.front() == '^') {
      target.remove_prefix(1);  // <ProxyMatch ^cxxbalancer://...>
    }
    if (!config::isBalancerUrl(target)) {
      return DECLINE_CMD;
    }
    std::string name = balancerNameOf(target);
    std::string section = std::string(cmd->cmd->name) + " " + words[0] + ">: ";
    const std::string problem = "mod_proxy's " + std::string(cmd->cmd->name) +
                                "> does not configure cxxbalancer:// balancers";
    if (auto settings = keyValuesAfter(words, 1); !settings.empty()) {
      const auto& [key, value] = settings.front();
      return refuse(cmd, section + config::misplacedKeyMessage(name, key, value, problem));
    }
    for (const ap_directive_t* child = cmd->directive->first_child; child; child = child->next) {
      if (strcasecmp(child->directive, "BalancerMember") == 0 ||
          strcasecmp(child->directive, "ProxySet") == 0) {
        return refuse(cmd, section + problem + "; allowed: <CxxBalancer " + name +
                               "> ... </CxxBalancer> with the BalancerMember lines inside, and "
                               "BalancerSet in place of ProxySet");
      }
    }
    return DECLINE_CMD;
  });
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
  if (config::isBalancerUrl(args)) {  // mod_proxy's form: BalancerMember BALANCER-URL MEMBER-URL
    return guardConfig(cmd, [&]() -> const char* {
      auto words = splitArgs(cmd->temp_pool, args);
      return refuse(cmd, "BalancerMember " + words[0] +
                             ": a cxxbalancer:// balancer is not named on its member lines; "
                             "allowed: BalancerMember URL [key=value ...] inside <CxxBalancer " +
                             balancerNameOf(words[0]) + ">");
    });
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
                 "%s: %s:%d: %s %s: no <CxxBalancer %s> is declared; declare it, or fix "
                 "the name after cxxbalancer://",
                 msg::kProxyPassUnknownBalancer, directive->filename ? directive->filename : "?",
                 directive->line_num, directive->directive, directive->args ? directive->args : "",
                 name.c_str());
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
    // mod_proxy's directives, offered to us first; declined unless they name cxxbalancer://.
    // The contexts are mod_proxy's own, so httpd's context checks answer as they would for it.
    AP_INIT_RAW_ARGS("<Proxy", onProxySection, nullptr, RSRC_CONF, "mod_proxy's <Proxy>"),
    AP_INIT_RAW_ARGS("<ProxyMatch", onProxySection, reinterpret_cast<void*>(1), RSRC_CONF,
                     "mod_proxy's <ProxyMatch>"),
    AP_INIT_RAW_ARGS("ProxyPass", onProxyPass, nullptr, RSRC_CONF | ACCESS_CONF,
                     "mod_proxy's ProxyPass"),
    AP_INIT_RAW_ARGS("ProxyPassMatch", onProxyPass, nullptr, RSRC_CONF | ACCESS_CONF,
                     "mod_proxy's ProxyPassMatch"),
    AP_INIT_RAW_ARGS("ProxySet", onProxySet, nullptr, RSRC_CONF | ACCESS_CONF,
                     "mod_proxy's ProxySet"),
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
                     "%s: %s:%d: BalancerMember %s: %s", msg::kMemberTlsFilesUnusable,
                     member.where.file.c_str(), member.where.line, member.url.text().c_str(),
                     context.error().c_str());
        ok = false;
      }
    }
  }
  return ok ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

}  // namespace cxxb::httpd
