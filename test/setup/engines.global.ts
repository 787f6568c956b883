/**
 * Finds (or installs) every engine before the first browser launches, so that an apt-get
 * install never stalls the runner while another engine's tests are running; with an engine
 * missing and no way to install it, the run stops here with one line that says what to install.
 */
import { ENGINES, enginePrograms } from './engines';

export default function setup() {
  for (const engine of ENGINES) enginePrograms(engine);
}
