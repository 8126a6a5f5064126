/**
 * repro-nb's JupyterLab (and Notebook 7) plugin: wiring only.
 *
 * Every notebook gets a ReproModel (record ⇄ metadata, recorder comm, checks) and its
 * cell markers as soon as it opens, whether or not it is the current one, so records
 * arriving for a background notebook are kept. One panel in the right area shows the
 * current notebook's model.
 */
import { ILabShell, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { CommandToolbarButton, ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { reproIcon } from './icon';
import { CellMarkers } from './markers';
import { ReproModel } from './model/reproModel';
import { ReproPanel } from './views/panel';

const CommandIDs = {
  check: 'repro-nb:check',
  cancel: 'repro-nb:cancel-check',
  openPanel: 'repro-nb:open-panel'
};

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'repro-nb:plugin',
  description: 'Reproducibility side panel: per-cell provenance, warnings and drift.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ILabShell, ITranslator, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    labShell: ILabShell | null,
    translator: ITranslator | null,
    palette: ICommandPalette | null
  ) => {
    const trans = (translator ?? nullTranslator).load('repro_nb');
    const models = new Map<NotebookPanel, ReproModel>();

    const panel = new ReproPanel(translator ?? undefined);
    panel.title.icon = reproIcon;
    app.shell.add(panel, 'right', { rank: 650 });

    const follow = () => {
      const current = tracker.currentWidget;
      panel.model = current ? (models.get(current) ?? null) : null;
    };
    tracker.widgetAdded.connect((_, notebook) => {
      const model = new ReproModel(notebook);
      const markers = new CellMarkers(model);
      models.set(notebook, model);
      const button = new CommandToolbarButton({
        commands: app.commands,
        id: CommandIDs.check,
        label: ''
      });
      if (!notebook.toolbar.insertAfter('cellType', 'repro-nb-check', button)) {
        notebook.toolbar.addItem('repro-nb-check', button);
      }
      notebook.disposed.connect(() => {
        markers.dispose();
        model.dispose();
        models.delete(notebook);
        if (panel.model === model) {
          panel.model = null;
        }
      });
      follow(); // the tracker may have made it current before announcing it
    });
    tracker.currentChanged.connect(follow);
    // Notebook 7 and some layouts keep the notebook current while the shell's focus
    // moves: follow the shell too when there is a lab shell.
    labShell?.currentChanged.connect(follow);

    const currentModel = (): ReproModel | null => {
      const current = tracker.currentWidget;
      return current ? (models.get(current) ?? null) : null;
    };

    app.commands.addCommand(CommandIDs.check, {
      label: trans.__('Check Reproducibility of the Saved Notebook'),
      caption: trans.__('Re-run the saved notebook in a fresh kernel and compare its outputs'),
      icon: reproIcon,
      isEnabled: () => {
        const model = currentModel();
        return !!model && !model.checks.running;
      },
      execute: async () => {
        const model = currentModel();
        if (!model) {
          return;
        }
        app.shell.activateById(panel.id);
        await model.check();
      }
    });
    app.commands.addCommand(CommandIDs.cancel, {
      label: trans.__('Cancel the Reproducibility Check'),
      isEnabled: () => !!currentModel()?.checks.running,
      execute: async () => {
        await currentModel()?.checks.cancel();
      }
    });
    app.commands.addCommand(CommandIDs.openPanel, {
      label: trans.__('Show the Reproducibility Panel'),
      execute: () => app.shell.activateById(panel.id)
    });
    if (palette) {
      const category = trans.__('Reproducibility');
      for (const command of [CommandIDs.check, CommandIDs.cancel, CommandIDs.openPanel]) {
        palette.addItem({ command, category });
      }
    }
    follow();
    console.log('repro-nb: JupyterLab extension activated');
  }
};

export default plugin;
