/**
 * repro-nb's JupyterLab (and Notebook 7) plugin: wiring only.
 *
 * Every notebook gets a ReproModel (record ⇄ metadata, recorder comm, checks, live data
 * states) and its cell markers as soon as it opens, whether or not it is the current
 * one, so records arriving for a background notebook are kept. One panel in the right
 * area shows the current notebook's model; it is registered with the layout restorer,
 * so a reload brings it back where it was. Around it, as the best lab extensions live in
 * the shell: settings (schema/plugin.json, with the menus and the shortcut), commands in
 * the Run menu and the cell context menu, a status-bar item, and nbdime's diff of the
 * last check in a main-area tab.
 */
import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  CommandToolbarButton,
  ICommandPalette,
  ISessionContextDialogs,
  Notification,
  SessionContextDialogs,
  WidgetTracker
} from '@jupyterlab/apputils';
import { IEditorServices } from '@jupyterlab/codeeditor';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { DiffTab } from './diff/diffWidget';
import { reproIcon } from './icon';
import { DEFAULT_SETTINGS, IReproSettings, readSettings } from './logic/settings';
import { CellMarkers } from './markers';
import { downloadReport } from './model/downloads';
import { ReproModel } from './model/reproModel';
import { ReproStatusItem } from './statusItem';
import { PANEL_ID, ReproPanel } from './views/panel';

const PLUGIN_ID = 'repro-nb:plugin';

const CommandIDs = {
  check: 'repro-nb:check',
  cancel: 'repro-nb:cancel-check',
  openPanel: 'repro-nb:open-panel',
  showDiff: 'repro-nb:show-diff',
  showCellDiff: 'repro-nb:show-cell-diff',
  insertSeed: 'repro-nb:insert-seed',
  pickKernel: 'repro-nb:pick-kernel',
  downloadHtml: 'repro-nb:download-report-html',
  downloadJson: 'repro-nb:download-report-json'
};

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Reproducibility side panel: per-cell provenance, warnings and drift.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [
    ILabShell,
    ITranslator,
    ICommandPalette,
    ILayoutRestorer,
    ISettingRegistry,
    IStatusBar,
    IRenderMimeRegistry,
    IEditorServices,
    ISessionContextDialogs
  ],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    labShell: ILabShell | null,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    statusBar: IStatusBar | null,
    rendermime: IRenderMimeRegistry | null,
    editorServices: IEditorServices | null,
    sessionDialogs: ISessionContextDialogs | null
  ) => {
    const trans = (translator ?? nullTranslator).load('repro_nb');
    const models = new Map<NotebookPanel, ReproModel>();
    const markers = new Map<NotebookPanel, CellMarkers>();
    let settings: IReproSettings = DEFAULT_SETTINGS;
    const dialogs =
      sessionDialogs ?? new SessionContextDialogs({ translator: translator ?? undefined });

    const currentModel = (): ReproModel | null => {
      const current = tracker.currentWidget;
      return current ? (models.get(current) ?? null) : null;
    };

    // ------------------------------------------------------------------ nbdime's diff tab
    const diffs = new WidgetTracker<DiffTab>({ namespace: 'repro-nb-diff' });
    const showDiff = async (
      model: ReproModel | null,
      focus: number | null,
      mode?: 'drifted' | 'all'
    ) => {
      const last = model?.checks.lastResult;
      if (!model || !last) {
        Notification.info(
          trans.__('Check the notebook first: the diff compares it with its re-run.'),
          {
            autoClose: 4000
          }
        );
        return;
      }
      if (!rendermime) {
        Notification.error(trans.__('No renderer for outputs: the diff cannot be drawn here.'));
        return;
      }
      const path = model.panel.context.localPath;
      let tab = diffs.find(t => t.content.path === path) ?? null;
      if (tab && !tab.isDisposed) {
        app.shell.activateById(tab.id);
        await tab.content.showDiff({ checkId: last.id, checkedAt: last.started_at, focus, mode });
        return;
      }
      tab = new DiffTab({
        checkId: last.id,
        path,
        checkedAt: last.started_at,
        focus,
        mode,
        rendermime,
        editorFactory: editorServices?.factoryService.newInlineEditor.bind(
          editorServices.factoryService
        ),
        translator: translator ?? undefined
      });
      await diffs.add(tab);
      app.shell.add(tab, 'main');
      app.shell.activateById(tab.id);
      await tab.content.load();
    };

    // ------------------------------------------------------------------ the panel
    const panel = new ReproPanel(translator ?? undefined, {
      showDiff: index => void showDiff(currentModel(), index),
      downloadReport: format =>
        void app.commands.execute(
          format === 'html' ? CommandIDs.downloadHtml : CommandIDs.downloadJson
        ),
      insertSeedCell: () => void app.commands.execute(CommandIDs.insertSeed),
      pickKernel: () => void app.commands.execute(CommandIDs.pickKernel)
    });
    panel.title.icon = reproIcon;
    app.shell.add(panel, 'right', { rank: 650 });
    if (restorer) {
      restorer.add(panel, PANEL_ID);
    }

    const statusItem = new ReproStatusItem(() => app.shell.activateById(panel.id));
    if (statusBar) {
      statusBar.registerStatusItem('repro-nb:status', {
        item: statusItem,
        align: 'left',
        rank: 4,
        isActive: () => !!tracker.currentWidget && tracker.currentWidget === app.shell.currentWidget
      });
    }

    const follow = () => {
      const model = currentModel();
      panel.model = model;
      statusItem.model = model;
      model?.liveData.refresh(); // a file may have been edited while another tab was current
    };
    tracker.widgetAdded.connect((_, notebook) => {
      const model = new ReproModel(notebook);
      model.settings = settings;
      const cellMarkers = new CellMarkers(model);
      cellMarkers.enabled = settings.markers;
      models.set(notebook, model);
      markers.set(notebook, cellMarkers);
      const button = new CommandToolbarButton({
        commands: app.commands,
        id: CommandIDs.check,
        label: ''
      });
      if (!notebook.toolbar.insertAfter('cellType', 'repro-nb-check', button)) {
        notebook.toolbar.addItem('repro-nb-check', button);
      }
      model.checks.changed.connect(() => app.commands.notifyCommandChanged(), model);
      notebook.disposed.connect(() => {
        cellMarkers.dispose();
        model.dispose();
        models.delete(notebook);
        markers.delete(notebook);
        if (panel.model === model) {
          panel.model = null;
          statusItem.model = null;
        }
      });
      follow(); // the tracker may have made it current before announcing it
    });
    tracker.currentChanged.connect(follow);
    // Notebook 7 and some layouts keep the notebook current while the shell's focus
    // moves: follow the shell too when there is a lab shell.
    labShell?.currentChanged.connect(follow);
    // Back from another program (an editor that changed a data file): look again.
    window.addEventListener('focus', () => currentModel()?.liveData.refresh());

    // ------------------------------------------------------------------ settings
    const applySettings = (next: IReproSettings) => {
      settings = next;
      // what the plugin applies, for the browser tests: the Settings Editor's save reaches
      // the server before the registry here says the settings changed
      panel.node.dataset.settings = JSON.stringify(next);
      for (const [notebook, model] of models) {
        model.settings = next;
        const cellMarkers = markers.get(notebook);
        if (cellMarkers) {
          cellMarkers.enabled = next.markers;
        }
      }
    };
    if (settingRegistry) {
      void settingRegistry
        .load(PLUGIN_ID)
        .then(loaded => {
          applySettings(readSettings(loaded.composite));
          loaded.changed.connect(() => applySettings(readSettings(loaded.composite)));
        })
        .catch(reason => console.warn('repro-nb: settings could not be loaded', reason));
    }

    // ------------------------------------------------------------------ commands
    const lastCheckId = () => currentModel()?.checks.lastResult?.id ?? null;
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
    app.commands.addCommand(CommandIDs.showDiff, {
      label: trans.__('Show Reproducibility Diff (nbdime)'),
      caption: trans.__(
        'The stored notebook against its re-run in the last check, drifted cells only'
      ),
      isEnabled: () => lastCheckId() !== null,
      execute: args => {
        const cell = typeof args.cell === 'number' ? args.cell : null;
        const mode = args.mode === 'all' ? 'all' : args.mode === 'drifted' ? 'drifted' : undefined;
        return showDiff(currentModel(), cell, mode);
      }
    });
    app.commands.addCommand(CommandIDs.showCellDiff, {
      label: trans.__('Show Reproducibility Diff of This Cell'),
      isEnabled: () => lastCheckId() !== null,
      execute: () => {
        const notebook = tracker.currentWidget?.content;
        const node = app.contextMenuHitTest(n => n.classList.contains('jp-Cell'));
        const index = notebook ? notebook.widgets.findIndex(w => w.node === node) : -1;
        return showDiff(currentModel(), index >= 0 ? index : (notebook?.activeCellIndex ?? null));
      }
    });
    app.commands.addCommand(CommandIDs.insertSeed, {
      label: trans.__('Insert %repro_seed 42 at the Top'),
      isEnabled: () => !!currentModel(),
      execute: async () => {
        const model = currentModel();
        if (!model) {
          return;
        }
        const index = model.insertSeedCell();
        await panel.selectCell(index);
      }
    });
    app.commands.addCommand(CommandIDs.pickKernel, {
      label: trans.__('Choose a Kernel Installed Here'),
      isEnabled: () => !!tracker.currentWidget,
      execute: async () => {
        const notebook = tracker.currentWidget;
        if (notebook) {
          await dialogs.selectKernel(notebook.sessionContext);
        }
      }
    });
    const download = (format: 'html' | 'json') => async () => {
      const id = lastCheckId();
      if (!id) {
        return;
      }
      try {
        await downloadReport(id, format);
      } catch (error) {
        Notification.error(
          `${trans.__('The report could not be downloaded:')} ${error instanceof Error ? error.message : String(error)}`
        );
      }
    };
    app.commands.addCommand(CommandIDs.downloadHtml, {
      label: trans.__('Download Reproducibility Report (HTML)'),
      isEnabled: () => lastCheckId() !== null,
      execute: download('html')
    });
    app.commands.addCommand(CommandIDs.downloadJson, {
      label: trans.__('Download Reproducibility Report (JSON)'),
      isEnabled: () => lastCheckId() !== null,
      execute: download('json')
    });
    if (palette) {
      const category = trans.__('Reproducibility');
      for (const command of Object.values(CommandIDs)) {
        palette.addItem({ command, category });
      }
    }
    follow();
    console.log('repro-nb: JupyterLab extension activated');
  }
};

export default plugin;
