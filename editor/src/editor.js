// The query editor of /sparql: CodeMirror 6 over the page's <textarea>, which stays the form
// field (the page works as a plain form without this script). Highlighting comes from the
// SPARQL mode of @codemirror/legacy-modes; prefix completion from the dataset's namespaces,
// which the page embeds as JSON (#prefixes); Ctrl+Enter (Cmd+Enter) submits the form.
import {EditorState} from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection, Decoration,
} from "@codemirror/view";
import {defaultKeymap, history, historyKeymap, indentWithTab} from "@codemirror/commands";
import {
  StreamLanguage, syntaxHighlighting, defaultHighlightStyle, bracketMatching,
} from "@codemirror/language";
import {sparql} from "@codemirror/legacy-modes/mode/sparql";
import {autocompletion, completionKeymap, closeBrackets} from "@codemirror/autocomplete";
import {searchKeymap} from "@codemirror/search";

function readPrefixes() {
  const node = document.getElementById("prefixes");
  try {
    return node ? JSON.parse(node.textContent) : {};
  } catch (e) {
    return {};
  }
}

// Completes `pre` to `prefix:` (adding its PREFIX line when the query lacks one), and after
// the PREFIX keyword to a whole declaration.
function prefixCompletion(prefixes) {
  const names = Object.keys(prefixes).sort();
  return (context) => {
    const word = context.matchBefore(/[A-Za-z][\w-]*:?|:/);
    if (!word && !context.explicit) return null;
    const from = word ? word.from : context.pos;
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, from - line.from);
    const declaring = /\bPREFIX\s+$/i.test(before);
    const options = names.map((name) => {
      const iri = prefixes[name];
      if (declaring) {
        return {label: `${name}:`, apply: `${name}: <${iri}>`, detail: iri, type: "namespace"};
      }
      return {
        label: `${name}:`, detail: iri, type: "namespace",
        apply: (view, completion, start, end) => {
          const text = view.state.doc.toString();
          const declared = new RegExp(`PREFIX\\s+${name}:`, "i").test(text);
          const changes = [{from: start, to: end, insert: `${name}:`}];
          if (!declared) changes.push({from: 0, insert: `PREFIX ${name}: <${iri}>\n`});
          view.dispatch({changes});
        },
      };
    });
    return {from, options, validFor: /^[\w-]*:?$/};
  };
}

const errorMark = Decoration.line({class: "cm-error-line"});

function setup() {
  const textarea = document.getElementById("query");
  const form = document.getElementById("query-form");
  if (!textarea || !form) return;
  const run = () => {
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
    return true;
  };
  const errorLine = Number(textarea.dataset.errorLine || 0);
  const errorColumn = Number(textarea.dataset.errorColumn || 0);
  const extensions = [
    lineNumbers(), history(), drawSelection(), highlightActiveLine(), bracketMatching(),
    closeBrackets(), StreamLanguage.define(sparql), syntaxHighlighting(defaultHighlightStyle),
    autocompletion({override: [prefixCompletion(readPrefixes())]}),
    keymap.of([{key: "Mod-Enter", run}, indentWithTab, ...completionKeymap, ...historyKeymap,
      ...searchKeymap, ...defaultKeymap]),
    EditorView.lineWrapping,
    EditorView.contentAttributes.of({"aria-label": "SPARQL query", "aria-multiline": "true"}),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) textarea.value = update.state.doc.toString();
    }),
  ];
  const doc = textarea.value;
  const state = EditorState.create({doc, extensions});
  if (errorLine >= 1 && errorLine <= state.doc.lines) {
    const line = state.doc.line(errorLine);
    extensions.push(EditorView.decorations.of(Decoration.set([errorMark.range(line.from)])));
  }
  const view = new EditorView({state: EditorState.create({doc, extensions})});
  textarea.parentNode.insertBefore(view.dom, textarea);
  textarea.hidden = true;
  textarea.dataset.editor = "codemirror";
  form.addEventListener("submit", () => { textarea.value = view.state.doc.toString(); });
  if (errorLine >= 1 && errorLine <= view.state.doc.lines) {
    const line = view.state.doc.line(errorLine);
    const pos = Math.min(line.to, line.from + Math.max(0, errorColumn - 1));
    view.dispatch({selection: {anchor: pos}, scrollIntoView: true});
    const link = document.getElementById("error-position");
    if (link) link.addEventListener("click", (event) => { event.preventDefault(); view.focus(); });
  }
  window.citynetEditor = view;
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", setup);
} else {
  setup();
}
