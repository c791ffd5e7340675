/** Every entity model, for code that works across collections. */
export { userModel } from "./users.js";
export { topicModel } from "./topics.js";
export { entryModel } from "./entries.js";
export { sessionModel } from "./sessions.js";
export { messageModel } from "./messages.js";
export { contentModel } from "./content.js";
export { migrationLogModel } from "./migration-logs.js";
export { analyticsModel } from "./analytics.js";
