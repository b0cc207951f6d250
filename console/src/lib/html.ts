/** Preact through htm's tagged templates (htm/preact: bound to Preact's h): no JSX build step. */
export { html } from 'htm/preact';
