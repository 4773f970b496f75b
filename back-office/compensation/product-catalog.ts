/**
 * The products the intermediary sells (from the insurers' specs in /work/shared/insurers) and their
 * product groups. A plan check uses it to refuse points for a product nobody sells; a live check can
 * pass the database's product table instead.
 */
export const PRODUCT_GROUPS = [
  'savings',
  'term_life',
  'motor',
  'property',
  'accident',
  'travel',
  'mtpl',
] as const;

export const KNOWN_PRODUCTS: Readonly<Record<string, string>> = {
  'DL-SAV10': 'savings', // Dnipro Life «Надійне майбутнє», 10 years
  'DL-SAV20': 'savings', // Dnipro Life «Надійне майбутнє», 20 years
  'DL-RISK1': 'term_life', // Dnipro Life «Захист», 1 year renewable
  'KASKO-STD': 'motor', // Karpaty КАСКО «Стандарт»
  'KASKO-PRM': 'motor', // Karpaty КАСКО «Преміум»
  'PROP-HOME': 'property', // Karpaty «Мій дім»
  'ACC-FAM': 'accident', // Karpaty «Сімейний захист»
  'TRV-EU': 'travel', // Polissia travel medical, Europe
  'ACC-IND': 'accident', // Polissia accident, individual
  OSCPV: 'mtpl', // Polissia compulsory motor third-party liability
};

export interface ProductCatalog {
  /** product code -> product group */
  products: Readonly<Record<string, string>>;
  groups: readonly string[];
}

export const DEFAULT_CATALOG: ProductCatalog = { products: KNOWN_PRODUCTS, groups: PRODUCT_GROUPS };
