/**
 * Shared fixtures for the API tests: a tiny model trained in memory with the real engine, and
 * servers on free ports that are closed by the caller's after-hook.
 */
import { ModelRegistry } from '../../src/engine/model-registry.js'
import { type TextClassifier, trainClassifier } from '../../src/engine/index.js'

export const SPORTS = [
  'the team won the football match with a late goal',
  'great game tonight, the striker scored twice',
  'the coach praised the players after the match',
  'basketball playoffs start next week, the team is ready',
  'a record crowd watched the final game of the season',
  'the goalkeeper saved a penalty in the match',
]
export const TECH = [
  'the new phone has a faster processor and better camera',
  'software update fixes the battery bug on the laptop',
  'developers released a new version of the programming language',
  'the cloud server crashed after the database upgrade',
  'install the app and sync your computer files',
  'the chip maker announced a new graphics processor',
]
export const FOOD = [
  'this pasta recipe needs fresh tomatoes and basil',
  'we baked bread and a chocolate cake for dinner',
  'the restaurant serves spicy noodles and soup',
  'add garlic and olive oil to the pan before the onions',
  'breakfast was eggs, toast and fresh orange juice',
  'the chef cooked a delicious curry with rice',
]

export function trainTinyModel(extra: readonly string[] = []): TextClassifier {
  const classes = ['food', 'sports', 'tech']
  const texts = [...FOOD, ...SPORTS, ...TECH, ...extra]
  const targets = [...FOOD.map(() => 0), ...SPORTS.map(() => 1), ...TECH.map(() => 2), ...extra.map(() => 0)]
  return trainClassifier(
    { texts, targets, classes },
    {},
    { source: 'inline:api-tests', fingerprint: 'api-tests' },
  )
}

export function tinyRegistry(): ModelRegistry {
  return new ModelRegistry([
    { name: 'tiny', model: trainTinyModel() },
    { name: 'other', model: trainTinyModel(['pizza pizza pizza']) },
  ])
}
