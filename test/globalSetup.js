// The integration and end-to-end tests run the built local host, so build once before them.
module.exports = async () => {
  const { buildAll } = await import('../scripts/build.mjs');
  await buildAll({ quiet: true });
};
