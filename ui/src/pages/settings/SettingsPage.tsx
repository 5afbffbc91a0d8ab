// Settings: repositories (connect over HTTPS or SSH, connection status), clusters, projects, accounts.
// One file per section in this folder; the page is the section tabs.
import { Link } from '../../router';
import { SETTINGS_SECTIONS, type SettingsSection } from '../../state/route';
import { Accounts } from './Accounts';
import { Clusters } from './Clusters';
import { Projects } from './Projects';
import { Repositories } from './Repositories';

const TITLES: Record<SettingsSection, string> = { repositories: 'Repositories', clusters: 'Clusters', projects: 'Projects', accounts: 'Accounts' };

export function SettingsPage({ section }: { section: SettingsSection }) {
  return (
    <main id="main" className="page page-settings">
      <h1>Settings</h1>
      <nav className="tabs" aria-label="Settings sections">
        {SETTINGS_SECTIONS.map((s) => (
          <Link key={s} to={`/settings/${s}`} className={s === section ? 'tab active' : 'tab'} aria-current={s === section ? 'page' : undefined}>
            {TITLES[s]}
          </Link>
        ))}
      </nav>
      <section aria-label={TITLES[section]}>
        {section === 'repositories' ? <Repositories /> : null}
        {section === 'clusters' ? <Clusters /> : null}
        {section === 'projects' ? <Projects /> : null}
        {section === 'accounts' ? <Accounts /> : null}
      </section>
    </main>
  );
}
