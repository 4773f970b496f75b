/**
 * The catalogue: insurers and the products the intermediary sells for them, kept through the API
 * and the CLI, and onboarded from adapters/<insurer>/catalogue.yaml. The only way into the insurer
 * and product tables for people; the demo seed and the exchange read them.
 */
export * from './catalogue';
export * from './catalogue-file';
