import type { Metadata } from "next";
import { headers } from "next/headers";
import { THEME_SCRIPT } from "@/lib/theme";
import { ThemedToaster } from "@/components/shell/themed-toaster";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Countersign", template: "%s · Countersign" },
  description: "Change management for AI agents in production.",
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // The Content-Security-Policy lets an inline script run only with this response's nonce (proxy.ts).
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  return (
    // The theme script sets <html>'s class before React hydrates, so React is told not to expect the server's.
    <html lang="en" suppressHydrationWarning>
      <head>
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body className="min-h-screen">
        {children}
        <ThemedToaster />
      </body>
    </html>
  );
}
