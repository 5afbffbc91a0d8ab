// `kawa admin initial-password`: the generated admin password, from Secret argocd-initial-admin-secret.
import type { Command } from 'commander';
import { UserError, errorCodes } from '../../../errors.js';
import { kawaCommand } from '../../services/kawa-command.js';
import { examples, group, note, out } from '../common.js';
import { kubeAccessOptions, kubeConfigOf, type KubeAccessFlags } from './kube-access.js';

export function registerAdminInitialPassword(program: Command): void {
  const admin = group(program, 'admin', 'administer kawa');
  examples(
    kubeAccessOptions(
      admin.command('initial-password').description('print the initial admin password (reads Secret argocd-initial-admin-secret through the kubeconfig)'),
      'kubeconfig (default $KUBECONFIG, ~/.kube/config)',
    ).action(async (flags: KubeAccessFlags) => {
      // Loaded on use: @kubernetes/client-node is heavy (CLI start-up time).
      const { CoreV1Api } = await import('@kubernetes/client-node');
      const { kubeErrorStatus } = await import('../../../kube/errors.js');
      const { kube } = await import('../../services/kube.js');
      const kc = await kubeConfigOf(flags);
      const core = kc.makeApiClient(CoreV1Api);
      const secret = await kube(`read Secret ${flags.namespace}/argocd-initial-admin-secret`, kc, () =>
        core.readNamespacedSecret({ name: 'argocd-initial-admin-secret', namespace: flags.namespace }).catch((err: unknown) => {
          if (kubeErrorStatus(err) === 404) {
            throw new UserError(
              errorCodes.CLI_INVALID_ARGUMENT,
              `Secret ${flags.namespace}/argocd-initial-admin-secret does not exist: it was deleted after the password changed (reset it in argocd-secret), or kawa runs in another namespace (-n)`,
            );
          }
          throw err;
        }),
      );
      const password = secret.data?.['password'];
      if (password === undefined) throw new UserError(errorCodes.SECRET_INVALID, `Secret ${flags.namespace}/argocd-initial-admin-secret has no "password" key`);
      out(`${Buffer.from(password, 'base64').toString('utf8')}\n`);
      note(`\nThis password must be only used for first time login. We strongly recommend you update the password using \`${kawaCommand('account update-password')}\`.\n`);
    }),
    'kawa admin initial-password -n argocd',
  );
}
