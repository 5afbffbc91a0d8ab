// `npm run image`: builds dist/image/kawa-<version>.oci.tar (see build.ts for how) and prints its size.
// Load it with `podman load -i dist/image/kawa-<version>.oci.tar`, or push it with
// `skopeo copy oci-archive:dist/image/kawa-<version>.oci.tar docker://<registry>/kawa:<version>`.
import { Command, Option } from 'commander';
import { isKawaError, messageOf } from '../../src/errors.js';
import { projectRoot } from '../../src/tools/pins.js';
import { buildImage, formatMB } from './build.js';

const program = new Command('image')
  .description("build kawa's OCI image (one image, every role) without a Docker engine")
  .addOption(new Option('--build <when>', 'run `npm run build` first: when dist/ is older than its sources, always or never').choices(['auto', 'always', 'never']).default('auto'))
  .option('--output <file>', 'the OCI archive to write (default dist/image/kawa-<version>.oci.tar)')
  .action(async (opts: { build: 'auto' | 'always' | 'never'; output?: string }) => {
    const result = await buildImage({ root: projectRoot(), build: opts.build, ...(opts.output === undefined ? {} : { output: opts.output }) });
    process.stderr.write(
      `[image] ${result.reference} (revision ${result.revision.slice(0, 12)}) built in ${result.seconds.toFixed(0)}s: ` +
        `archive ${formatMB(result.compressedBytes)} compressed, ${formatMB(result.unpackedBytes)} unpacked\n`,
    );
    process.stdout.write(`${result.archive}\n`);
  });

try {
  await program.parseAsync();
} catch (err) {
  process.stderr.write(`error: ${messageOf(err)}\n`);
  if (isKawaError(err)) process.stderr.write(`(${err.code})\n`);
  process.exitCode = 1;
}
