// `kawa admin migrate-from-argocd`: takes a running Argo CD installation over in place (its Applications,
// AppProjects, argocd-cm, argocd-rbac-cm, argocd-secret, repository and cluster Secrets stay as they are),
// and `--rollback` gives it back. Thin: the plan is src/cli/services/migrate/plan.ts, the I/O cluster.ts.
import type { Command } from 'commander';
import { UserError, errorCodes } from '../../../errors.js';
import { confirm } from '../../services/prompt.js';
import { examples, group, note, out } from '../common.js';
import { kubeAccessOptions, kubeConfigOf, type KubeAccessFlags } from './kube-access.js';

interface Flags extends KubeAccessFlags {
  dryRun?: boolean;
  yes?: boolean;
  force?: boolean;
  rollback?: boolean;
  argocdCrds?: string;
  kawaReplicas: string;
  timeout: string;
}

const HELP = `
What it does (each step is read from the cluster, so running it again is safe and a run that stopped
half-way is finished by the next one):
  1. checks: Argo CD's CRDs serve and store v1alpha1; every Application and AppProject reads as kawa reads
     it (problems are listed by name and field; --force goes on anyway); argocd-cm's
     application.resourceTrackingMethod is one kawa uses; installationID (kawa does not honour it: --force);
     argocd-cm keys kawa ignores are listed. kawa's CRDs are checked with a server dry-run.
  2. scales Argo CD's application controller (StatefulSet, or Deployment in older installs) to 0, recording
     its replicas in the annotation kawa.dev/migrated-from-replicas, and waits until its Pods are gone, so
     two controllers never sync at once;
  3. applies kawa's CRDs (server-side apply, field manager kawa). kawa's Application CRD has a status
     subresource, Argo CD's has none; the apps' stored status (sync, health, history, operationState,
     resources, reconciledAt) is kept, and checked afterwards;
  4. scales kawa's controller Deployment kawa-application-controller up, or says how to start one.
argocd-server, argocd-repo-server, the ApplicationSet and notifications controllers keep running against
the same objects; they are listed, and removed by you when ready.

Rolling back to Argo CD (--rollback): kawa's controller Deployment goes to 0 (stop any other
\`kawa controller\` on the namespace: the rollback waits for its Lease to go), Argo CD's CRDs are
re-applied when given with --argocd-crds FILE (else do it yourself: kubectl apply -f Argo CD's CRDs), and
Argo CD's controller gets its recorded replicas back. With Argo CD's CRDs the status subresource is gone
again (Argo CD writes status through the main resource, as before), and status fields Argo CD's stricter
schema does not know (kawa's own) are pruned by the API server: hidden at once, dropped from storage on
Argo CD's next write. Resources kawa synced keep their tracking annotations, which Argo CD reads.

Live resources are not touched by the move: they keep Argo CD's field manager (argocd-controller) and its
last-applied-configuration annotation. kawa's first sync of each resource moves the fields of
argocd-controller and kubectl-client-side-apply to its own field manager (Argo CD's
ClientSideApplyMigration, on by default), so a field that Argo CD applied and that is later deleted from
git shows as a difference and is removed by the sync, and the annotation goes. With
ClientSideApplyMigration=false such fields stay (and show no difference); delete them by hand.`;

export function registerAdminMigrateFromArgoCd(program: Command): void {
  const admin = group(program, 'admin', 'administer kawa');
  examples(
    kubeAccessOptions(admin.command('migrate-from-argocd').description("take over a running Argo CD installation in place (its apps, projects and settings stay), or give it back with --rollback"), 'kubeconfig (default $KUBECONFIG, ~/.kube/config)')
      .option('--dry-run', 'print the checks and the plan, change nothing')
      .option('-y, --yes', 'do not ask for confirmation')
      .option('--force', 'go on despite Applications/AppProjects kawa cannot read or an installationID')
      .option('--rollback', "give the namespace back to Argo CD: kawa's controller to 0, Argo CD's controller to its recorded replicas")
      .option('--argocd-crds <file>', "with --rollback: Argo CD's CRDs to re-apply (e.g. its manifests/crds/*.yaml concatenated)")
      .option('--kawa-replicas <n>', "replicas for kawa's controller Deployment when it is at 0", '1')
      .option('--timeout <seconds>', 'how long to wait for Pods to go and CRDs to be served', '300')
      .addHelpText('after', HELP)
      .action(async (flags: Flags) => {
        const timeoutMs = positive(flags.timeout, '--timeout') * 1000;
        if (flags.argocdCrds !== undefined && flags.rollback !== true) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, '--argocd-crds goes with --rollback');
        // Loaded on use: @kubernetes/client-node is heavy (CLI start-up time).
        const { KubeRest } = await import('../../../kube/rest.js');
        const rest = new KubeRest(await kubeConfigOf(flags));
        try {
          if (flags.rollback === true) await rollback(rest, flags, timeoutMs);
          else await migrate(rest, flags, timeoutMs);
        } finally {
          rest.close();
        }
      }),
    'kawa admin migrate-from-argocd --dry-run',
    'kawa admin migrate-from-argocd -n argocd --yes',
    'kawa admin migrate-from-argocd --rollback --argocd-crds argocd-crds.yaml --yes',
  );
}

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `${flag} must be a whole number ≥ 0, got "${value}"`);
  return n;
}

type Rest = InstanceType<(typeof import('../../../kube/rest.js'))['KubeRest']>;

async function goAhead(flags: Flags, question: string): Promise<boolean> {
  if (flags.yes === true) return true;
  if (await confirm(question, '--yes')) return true;
  note('nothing changed\n');
  return false;
}

async function migrate(rest: Rest, flags: Flags, timeoutMs: number): Promise<void> {
  const { planMigration, describeStep } = await import('../../services/migrate/plan.js');
  const { readClusterState, dryRunCrds, runMigration, kawaCrdsByName } = await import('../../services/migrate/cluster.js');
  const { kawaCrds } = await import('../../../model/index.js');
  const ns = flags.namespace;
  const state = await readClusterState(rest, ns);
  const plan = planMigration(state, { kawaCrds: kawaCrdsByName(kawaCrds()), kawaReplicas: positive(flags.kawaReplicas, '--kawa-replicas') });

  for (const warning of plan.checks.warnings) note(`warning: ${warning}\n`);
  const blocking = plan.checks.problems.filter((p) => !p.forcible || flags.force !== true);
  for (const problem of plan.checks.problems) note(`${blocking.includes(problem) ? 'problem' : 'problem (forced)'}: ${problem.message}\n`);
  const [first] = blocking;
  if (first !== undefined) {
    const forcible = blocking.every((p) => p.forcible);
    throw new UserError(first.code, `${blocking.length} problem(s) stop the move from Argo CD in ${ns}, nothing changed${forcible ? ' (--force goes on anyway)' : ''}`);
  }

  if (plan.done) {
    out(`${ns}: already migrated, nothing to do\n`);
  } else {
    out(`Plan for ${ns}:\n`);
    plan.steps.forEach((step, i) => {
      out(`  ${i + 1}. ${describeStep(step)}\n`);
    });
  }
  if (plan.leftAlone.length > 0) {
    out(`Left running (they work with kawa's objects too; remove them when ready): ${plan.leftAlone.map((w) => `${w.kind} ${w.name}`).join(', ')}\n`);
  }
  if (plan.done || flags.dryRun === true) {
    if (flags.dryRun === true && !plan.done) note('dry run: nothing changed\n');
    printStartHint(plan.steps, ns);
    return;
  }
  // The CRD swap is checked by the API server before Argo CD's controller stops.
  await dryRunCrds(rest, plan.steps);
  if (!(await goAhead(flags, `Take over ${ns} from Argo CD?`))) return;
  const { verified } = await runMigration(rest, plan.steps, {
    namespace: ns,
    timeoutMs,
    onStep: (step) => {
      if (step.kind !== 'start-kawa') note(`${describeStep(step)}\n`);
    },
  });
  out(`${ns} is kawa's${verified === undefined ? '' : `: status of ${verified} Application(s) checked${verified === 0 ? '' : ', unchanged'}`}\n`);
  printStartHint(plan.steps, ns);
}

function printStartHint(steps: readonly { kind: string }[], ns: string): void {
  if (steps.some((s) => s.kind === 'start-kawa')) {
    out(`No Deployment kawa-application-controller in ${ns}: start kawa's controller with\n  kawa controller --namespace ${ns}\nor install kawa's manifests (kubectl apply -n ${ns} -f manifests/install.yaml).\n`);
  }
}

async function rollback(rest: Rest, flags: Flags, timeoutMs: number): Promise<void> {
  const { planRollback, describeStep } = await import('../../services/migrate/plan.js');
  const { readClusterState, readCrdFile, runRollback } = await import('../../services/migrate/cluster.js');
  const ns = flags.namespace;
  // A bad file is refused before anything changes.
  if (flags.argocdCrds !== undefined) await readCrdFile(flags.argocdCrds);
  const state = await readClusterState(rest, ns);
  const plan = planRollback(state, { ...(flags.argocdCrds === undefined ? {} : { argocdCrdsFile: flags.argocdCrds }), nowMs: Date.now() });
  for (const warning of plan.warnings) note(`warning: ${warning}\n`);
  if (plan.steps.length === 0) {
    out(`${ns}: nothing to roll back\n`);
    return;
  }
  out(`Rollback plan for ${ns}:\n`);
  plan.steps.forEach((step, i) => {
    out(`  ${i + 1}. ${describeStep(step)}\n`);
  });
  if (flags.dryRun === true) {
    note('dry run: nothing changed\n');
    return;
  }
  if (!(await goAhead(flags, `Give ${ns} back to Argo CD?`))) return;
  await runRollback(rest, plan.steps, {
    namespace: ns,
    timeoutMs,
    onStep: (step) => {
      note(`${describeStep(step)}\n`);
    },
  });
  out(`${ns} is Argo CD's again\n`);
}
