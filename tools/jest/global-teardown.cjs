module.exports = require('./site-lifecycle.ts').teardown;
