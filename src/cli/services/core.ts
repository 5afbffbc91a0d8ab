// `--core`: no API server to talk to, so run one in this process against the kubeconfig's cluster (as
// `argocd --core` does) on a loopback port, acting as admin with the kubeconfig user's Kubernetes rights.
import { UserError, errorCodes, messageOf } from '../../errors.js';
import type { Target } from './api.js';
import { kawaCommand } from './kawa-command.js';

export interface CoreOptions {
  /** kubeconfig context (default: the current one). */
  kubeContext?: string | undefined;
  /** kawa's namespace (default: the context's namespace, else `argocd`). */
  namespace?: string | undefined;
}

export interface CoreServer {
  readonly target: Target;
  close(): Promise<void>;
}

export async function startCoreServer(options: CoreOptions): Promise<CoreServer> {
  // Loaded on use: the whole server is only needed in core mode (CLI start-up time).
  const { loadKubeConfig } = await import('./kube.js');
  const { assembleServer } = await import('../../server/index.js');
  const { pino } = await import('pino');
  const kc = loadKubeConfig(undefined, options.kubeContext);
  const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
  const namespace = options.namespace ?? (contextNamespace === undefined || contextNamespace === 'default' ? 'argocd' : contextNamespace);
  let assembled: Awaited<ReturnType<typeof assembleServer>>;
  try {
    assembled = await assembleServer({ kubeConfig: kc, namespace, logger: pino({ level: 'silent' }) });
  } catch (err) {
    throw new UserError(
      errorCodes.KUBE_API_FAILED,
      `--core: cannot use kawa's namespace "${namespace}" through context "${kc.getCurrentContext()}": ${messageOf(err)}; set KAWA_NAMESPACE (or the context's namespace) to where kawa is installed, or install it with \`${kawaCommand('up')}\``,
      { cause: err },
    );
  }
  const address = await assembled.app.listen({ host: '127.0.0.1', port: 0 });
  // Never the reason the process stays alive: the command's own work is.
  assembled.app.server.unref();
  const token = await assembled.sessions.issueSession('admin');
  return {
    target: { server: address.replace(/^http:\/\//, ''), plaintext: true, insecure: false, token, contextName: `core (${kc.getCurrentContext()}/${namespace})` },
    close: () => assembled.app.close(),
  };
}
