// What the bundle holds: the <moq-watch> element (the player) and <moq-watch-ui> (its controls and stats panel).
// Importing them registers both custom elements.
import '@moq/watch/element';
import '@moq/watch/ui';
