import type { RestorePoint, RestoreRequest } from '../../api/restorePoints';
import type { Vm } from '../../api/vms';
import { bytes, dateTime } from '../../format';

/** What a restore will do, step by step, in the order the server does it; shown before it starts. */
export function restoreSummary(point: RestorePoint, vm: Vm | undefined, request: RestoreRequest, hostName?: string): string[] {
  const vmName = vm?.name ?? point.vmName ?? 'the VM';
  const what = `${point.fileCount} files (${bytes(point.sizeBytes)}) of ${vmName} as of ${dateTime(point.createdAt)}`;
  const steps: string[] = [];
  if (point.verifyStatus === 'FAILED') {
    steps.push(request.force
      ? 'The last verify of this restore point FAILED; it is restored anyway, as you asked.'
      : 'The last verify of this restore point FAILED; the server refuses the restore unless you force it.');
  }
  switch (request.target) {
    case 'original':
      steps.push(`Copy ${what} into a staging folder beside the VM, checking every file against the manifest.`);
      if (vm && vm.state !== 'OFF') {
        steps.push(request.stopVm
          ? `Shut ${vmName} down (it is ${vm.state} now) once the files are staged.`
          : `${vmName} is ${vm.state}: the server refuses to restore over a VM that is not off. Tick "Shut the VM down first".`);
      }
      steps.push(request.keepPrevious
        ? `Swap the staged files in; the current files of ${vmName} are kept beside it as ${vmName}.before-restore-<time>.`
        : `Swap the staged files in, replacing the current files of ${vmName}; they are gone afterwards.`);
      if (request.startAfter) {
        steps.push(`Start ${vmName} again.`);
      }
      break;
    case 'path':
      steps.push(`Copy ${what} to ${request.path || '(no folder given yet)'}; the folder must not exist or be empty, under a restore root.`);
      steps.push(`${vmName} itself is not touched.`);
      break;
    case 'new-vm':
      steps.push(`Create a new VM named ${request.name || '(no name given yet)'} on ${hostName ?? 'the original host'} with a new id and new disk file names.`);
      steps.push(`Copy ${what} into it, checking every file against the manifest.`);
      steps.push(request.startAfter ? `Start ${request.name || 'the new VM'}.` : 'Leave the new VM off.');
      steps.push(`${vmName} itself is not touched.`);
      break;
  }
  return steps;
}
