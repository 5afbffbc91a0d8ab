// Every user command of the `kawa` CLI (argocd's nouns and verbs), registered from one place. Each
// command is a thin file that parses flags, calls a service under src/cli/services and prints.
import { Option, type Command } from 'commander';
import { EXIT_CODES_HELP } from '../services/errors.js';
import { closeSessions } from '../services/session.js';
import { registerAccountCanI } from './account/can-i.js';
import { registerAccountDeleteToken } from './account/delete-token.js';
import { registerAccountGenerateToken } from './account/generate-token.js';
import { registerAccountGet } from './account/get.js';
import { registerAccountGetUserInfo } from './account/get-user-info.js';
import { registerAccountList } from './account/list.js';
import { registerAccountUpdatePassword } from './account/update-password.js';
import { registerAdminBackup } from './admin/export.js';
import { registerAdminInitialPassword } from './admin/initial-password.js';
import { registerAdminMigrateFromArgoCd } from './admin/migrate-from-argocd.js';
import { registerAppCreate } from './app/create.js';
import { registerAppDelete } from './app/delete.js';
import { registerAppDiff } from './app/diff.js';
import { registerAppGet } from './app/get.js';
import { registerAppHistory } from './app/history.js';
import { registerAppList } from './app/list.js';
import { registerAppLogs } from './app/logs.js';
import { registerAppManifests } from './app/manifests.js';
import { registerAppPatch } from './app/patch.js';
import { registerAppResources } from './app/resources.js';
import { registerAppRollback } from './app/rollback.js';
import { registerAppSet } from './app/set.js';
import { registerAppSync } from './app/sync.js';
import { registerAppTerminateOp } from './app/terminate-op.js';
import { registerAppUnset } from './app/unset.js';
import { registerAppWait } from './app/wait.js';
import { registerCluster } from './cluster/cluster.js';
import { examples, group } from './common.js';
import { registerCompletion } from './completion/completion.js';
import { registerContext } from './context/context.js';
import { registerLogin } from './login/login.js';
import { registerLogout } from './logout/logout.js';
import { registerProjClusterResources } from './proj/cluster-resources.js';
import { registerProjCreate } from './proj/create.js';
import { registerProjDelete } from './proj/delete.js';
import { registerProjDestinations } from './proj/destinations.js';
import { registerProjGet } from './proj/get.js';
import { registerProjList } from './proj/list.js';
import { registerProjRole } from './proj/role.js';
import { registerProjSources } from './proj/sources.js';
import { registerProjWindows } from './proj/windows.js';
import { registerRelogin } from './relogin/relogin.js';
import { registerRepo } from './repo/repo.js';
import { registerRepoCreds } from './repocreds/repocreds.js';
import { registerVersion } from './version/version.js';

const ENV_HELP = `
Environment:
  KAWA_SERVER       server address (instead of --server or the current context)
  KAWA_AUTH_TOKEN   token (instead of --auth-token or the context's)
  KAWA_CONFIG       config file (default ~/.config/kawa/config)
  KAWA_NAMESPACE    with --core: kawa's namespace (default: the kube context's, else argocd)
  KUBECONFIG        with --core and the admin commands: the kubeconfig
  NO_COLOR          no colors even on a terminal`;

/**
 * Registers the global flags, error handling and every user command on `program`. Call it before
 * registering other commands: commander copies the error settings into commands created afterwards.
 */
export function registerUserCommands(program: Command): void {
  program
    .addOption(new Option('--server <address>', 'API server address, HOST[:PORT] or http(s)://HOST[:PORT]').env('KAWA_SERVER'))
    .addOption(new Option('--auth-token <token>', 'bearer token').env('KAWA_AUTH_TOKEN'))
    .option('--insecure', 'skip TLS certificate verification of the server')
    .option('--plaintext', 'talk to the server over plain HTTP (no TLS)')
    .option('--core', 'no server: talk to Kubernetes directly with the kubeconfig (as admin, with the kubeconfig user\'s rights)')
    .option('--kube-context <name>', 'with --core: the kubeconfig context (default: the current one)')
    // Errors are thrown, not process.exit()ed: main maps them to the documented exit codes, and tests
    // can run commands in-process.
    .exitOverride()
    .showSuggestionAfterError(true)
    .showHelpAfterError('(add --help for usage and examples)')
    .addHelpText('after', `${ENV_HELP}\n${EXIT_CODES_HELP}\n`)
    // --core starts a server in-process; stop it when the command is done.
    .hook('postAction', closeSessions);
  examples(program, 'kawa login localhost:8080 --plaintext --username admin', 'kawa app list', 'kawa app sync guestbook');

  registerLogin(program);
  registerLogout(program);
  registerRelogin(program);
  registerContext(program);
  registerVersion(program);

  const account = group(program, 'account', 'manage accounts and API tokens');
  registerAccountUpdatePassword(account);
  registerAccountList(account);
  registerAccountGet(account);
  registerAccountGetUserInfo(account);
  registerAccountCanI(account);
  registerAccountGenerateToken(account);
  registerAccountDeleteToken(account);
  examples(account, 'kawa account get-user-info', 'kawa account can-i sync applications default/guestbook');

  const app = group(program, 'app', 'manage applications');
  registerAppCreate(app);
  registerAppGet(app);
  registerAppList(app);
  registerAppSync(app);
  registerAppDiff(app);
  registerAppHistory(app);
  registerAppRollback(app);
  registerAppSet(app);
  registerAppUnset(app);
  registerAppWait(app);
  registerAppDelete(app);
  registerAppTerminateOp(app);
  registerAppManifests(app);
  registerAppResources(app);
  registerAppPatch(app);
  registerAppLogs(app);
  examples(app, 'kawa app list', 'kawa app get guestbook', 'kawa app sync guestbook');

  const proj = group(program, 'proj', 'manage projects');
  registerProjCreate(proj);
  registerProjGet(proj);
  registerProjList(proj);
  registerProjDelete(proj);
  registerProjSources(proj);
  registerProjDestinations(proj);
  registerProjClusterResources(proj);
  registerProjRole(proj);
  registerProjWindows(proj);
  examples(proj, 'kawa proj list', "kawa proj create team -d https://kubernetes.default.svc,'team-*' -s '*'");

  examples(group(proj, 'role', ''), 'kawa proj role create team ci', 'kawa proj role create-token team ci --expires-in 24h');
  examples(group(proj, 'windows', ''), "kawa proj windows add team --kind deny --schedule '0 22 * * *' --duration 8h");

  registerRepo(program);
  examples(group(program, 'repo', ''), 'kawa repo add https://github.com/argoproj/argocd-example-apps.git', 'kawa repo list');
  registerRepoCreds(program);
  examples(group(program, 'repocreds', ''), 'kawa repocreds add https://github.com/example --username bot --password "$TOKEN"');
  registerCluster(program);
  examples(group(program, 'cluster', ''), 'kawa cluster add prod-admin --name prod -y', 'kawa cluster list');
  registerAdminInitialPassword(program);
  registerAdminBackup(program);
  registerAdminMigrateFromArgoCd(program);
  examples(group(program, 'admin', ''), 'kawa admin initial-password -n argocd', 'kawa admin export -n argocd > backup.yaml');
  registerCompletion(program);
}
